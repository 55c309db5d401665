CREATE TABLE `idempotency_keys` (
	`username` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`job_ids` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`username`, `key`)
);
