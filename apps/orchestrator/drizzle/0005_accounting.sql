CREATE TABLE `allocation_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`wallet_id` integer NOT NULL,
	`parent_wallet_id` integer NOT NULL,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `allocation_groups_pair` ON `allocation_groups` (`wallet_id`,`parent_wallet_id`);--> statement-breakpoint
CREATE INDEX `allocation_groups_parent` ON `allocation_groups` (`parent_wallet_id`);--> statement-breakpoint
CREATE TABLE `allocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` integer NOT NULL,
	`start_date` integer NOT NULL,
	`end_date` integer NOT NULL,
	`quota` integer NOT NULL,
	`usage` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `allocation_groups`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `allocations_group` ON `allocations` (`group_id`);--> statement-breakpoint
CREATE TABLE `charges` (
	`job_id` integer NOT NULL,
	`period` integer NOT NULL,
	`wallet_id` integer NOT NULL,
	`amount` integer NOT NULL,
	`charged_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `period`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`wallet_id`) REFERENCES `wallets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `charges_wallet` ON `charges` (`wallet_id`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_key` text NOT NULL,
	`category` text NOT NULL,
	`provider` text NOT NULL,
	`last_significant_update_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_owner_category` ON `wallets` (`owner_key`,`category`,`provider`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `termination_reason` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `charge_period_ms` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `charged_periods` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `running_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `running_since` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `next_charge_at` integer;--> statement-breakpoint
CREATE INDEX `jobs_next_charge` ON `jobs` (`next_charge_at`);