CREATE INDEX `jobs_project_state` ON `jobs` (`owner_project`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_provider_id` ON `jobs` (`provider`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_created` ON `jobs` (`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_provider_generated_id` ON `jobs` (`provider_generated_id`) WHERE "jobs"."provider_generated_id" is not null;--> statement-breakpoint
CREATE INDEX `jobs_expires` ON `jobs` (`expires_at`) WHERE "jobs"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX `jobs_active` ON `jobs` (`provider`,`id`) WHERE state not in ('SUCCESS', 'FAILURE', 'EXPIRED');