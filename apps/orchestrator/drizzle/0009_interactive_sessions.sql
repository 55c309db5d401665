CREATE TABLE `interactive_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_hash` text NOT NULL,
	`job_id` integer NOT NULL,
	`rank` integer NOT NULL,
	`session_type` text NOT NULL,
	`username` text NOT NULL,
	`provider` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`connected_at` integer,
	`closed_at` integer,
	`close_reason` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `interactive_sessions_ticket_hash_unique` ON `interactive_sessions` (`ticket_hash`);