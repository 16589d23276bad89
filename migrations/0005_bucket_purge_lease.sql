ALTER TABLE `buckets` ADD `purge_lease` text;--> statement-breakpoint
ALTER TABLE `buckets` ADD `purge_lease_until` integer;