CREATE TABLE `s3_bucket_usage` (
	`service_uuid` text NOT NULL,
	`bucket` text NOT NULL,
	`objects` integer NOT NULL,
	`bytes` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `bucket`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `s3_multipart_parts` (
	`upload_id` text NOT NULL,
	`part_number` integer NOT NULL,
	`etag` text NOT NULL,
	`r2_etag` text NOT NULL,
	`size` integer NOT NULL,
	`checksum` text,
	`last_modified` text NOT NULL,
	PRIMARY KEY(`upload_id`, `part_number`),
	FOREIGN KEY (`upload_id`) REFERENCES `s3_multipart_uploads`(`upload_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `s3_multipart_uploads` (
	`upload_id` text PRIMARY KEY NOT NULL,
	`service_uuid` text NOT NULL,
	`bucket` text NOT NULL,
	`key` text NOT NULL,
	`initiated_at` text NOT NULL,
	`owner_id` text NOT NULL,
	`owner_name` text NOT NULL,
	`checksum_algorithm` text,
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `s3_multipart_uploads_bucket` ON `s3_multipart_uploads` (`service_uuid`,`bucket`,`key`,`initiated_at`);--> statement-breakpoint
CREATE TABLE `s3_usage_hourly` (
	`service_uuid` text NOT NULL,
	`bucket` text NOT NULL,
	`hour` text NOT NULL,
	`access_key_id` text NOT NULL,
	`objects_created` integer DEFAULT 0 NOT NULL,
	`bytes_created` integer DEFAULT 0 NOT NULL,
	`objects_deleted` integer DEFAULT 0 NOT NULL,
	`bytes_deleted` integer DEFAULT 0 NOT NULL,
	`bytes_received` integer DEFAULT 0 NOT NULL,
	`bytes_sent` integer DEFAULT 0 NOT NULL,
	`ops_get` integer DEFAULT 0 NOT NULL,
	`ops_put` integer DEFAULT 0 NOT NULL,
	`ops_list` integer DEFAULT 0 NOT NULL,
	`ops_delete` integer DEFAULT 0 NOT NULL,
	`ops_other` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`service_uuid`, `bucket`, `hour`, `access_key_id`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `s3_usage_hourly_hour` ON `s3_usage_hourly` (`service_uuid`,`hour`);