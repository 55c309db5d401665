CREATE TABLE `job_updates` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` integer NOT NULL,
	`update` text NOT NULL,
	`state_after` text NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `job_updates_job` ON `job_updates` (`job_id`,`seq`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_username` text NOT NULL,
	`owner_project` text,
	`application_name` text NOT NULL,
	`application_version` text NOT NULL,
	`provider` text NOT NULL,
	`product_id` text NOT NULL,
	`product_category` text NOT NULL,
	`specification` text NOT NULL,
	`state` text NOT NULL,
	`started_at` integer,
	`expires_at` integer,
	`time_allocation_ms` integer,
	`allow_restart` integer DEFAULT false NOT NULL,
	`output_folder` text,
	`provider_generated_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_owner_id` ON `jobs` (`owner_username`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_owner_state` ON `jobs` (`owner_username`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_provider_state` ON `jobs` (`provider`,`state`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` integer NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`next_attempt_at`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_job` ON `outbox` (`job_id`,`id`);--> statement-breakpoint
CREATE TABLE `provider_cursors` (
	`provider` text NOT NULL,
	`stream` text NOT NULL,
	`seq` text NOT NULL,
	PRIMARY KEY(`provider`, `stream`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`username` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`admin` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_token_hash_unique` ON `users` (`token_hash`);