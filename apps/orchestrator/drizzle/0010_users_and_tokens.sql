CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`username`) REFERENCES `users`(`username`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_by_user` ON `api_tokens` (`username`,`created_at`);--> statement-breakpoint
-- Tokens of users already stored keep working, as their USERS entry would re-create them.
INSERT INTO `api_tokens` (`id`, `username`, `name`, `token_hash`, `created_at`) SELECT 'env-' || `username`, `username`, 'env', `token_hash`, `created_at` FROM `users`;--> statement-breakpoint
DROP INDEX `users_token_hash_unique`;--> statement-breakpoint
ALTER TABLE `users` ADD `operator` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `disabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `token_hash`;