ALTER TABLE `charges` ADD `debits` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `updated_at` integer;