CREATE TABLE `job_acl` (
	`job_id` integer NOT NULL,
	`username` text NOT NULL,
	`permission` text NOT NULL,
	PRIMARY KEY(`job_id`, `username`, `permission`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `job_acl_user` ON `job_acl` (`username`,`job_id`);