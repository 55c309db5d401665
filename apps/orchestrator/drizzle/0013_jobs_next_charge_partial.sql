DROP INDEX `jobs_next_charge`;--> statement-breakpoint
CREATE INDEX `jobs_next_charge` ON `jobs` (`next_charge_at`) WHERE "jobs"."next_charge_at" is not null;