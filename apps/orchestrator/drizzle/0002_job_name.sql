ALTER TABLE `jobs` ADD `name` text;--> statement-breakpoint
UPDATE `jobs` SET `name` = json_extract(`specification`, '$.name');
