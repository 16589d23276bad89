CREATE TABLE `custom_domains` (
	`domain_name` text PRIMARY KEY NOT NULL,
	`service_uuid` text NOT NULL,
	`type` text NOT NULL,
	`mode` text NOT NULL,
	`verification` text NOT NULL,
	`verification_detail` text,
	`checked_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `custom_domains_service` ON `custom_domains` (`service_uuid`);--> statement-breakpoint
CREATE TABLE `static_websites` (
	`service_uuid` text NOT NULL,
	`domain_name` text NOT NULL,
	`bucket_name` text NOT NULL,
	`bucket_prefix` text DEFAULT '' NOT NULL,
	`index_document` text DEFAULT 'index.html' NOT NULL,
	`spa_mode` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`error_pages` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `domain_name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `static_websites_domain` ON `static_websites` (`domain_name`);