CREATE TABLE `job_licenses` (
	`job_id` integer NOT NULL,
	`license_id` integer NOT NULL,
	PRIMARY KEY(`job_id`, `license_id`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`license_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `job_licenses_license` ON `job_licenses` (`license_id`);--> statement-breakpoint
CREATE TABLE `licenses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_username` text NOT NULL,
	`owner_project` text,
	`product_id` text NOT NULL,
	`category` text NOT NULL,
	`provider` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `licenses_owner` ON `licenses` (`owner_username`,`id`);--> statement-breakpoint
CREATE INDEX `licenses_project` ON `licenses` (`owner_project`,`id`);