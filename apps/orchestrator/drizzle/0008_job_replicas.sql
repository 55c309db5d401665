ALTER TABLE `jobs` ADD `replicas` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
UPDATE `jobs` SET `replicas` = json_extract(`specification`, '$.replicas');
