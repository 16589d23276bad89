CREATE TABLE `job_copy_ledger` (
	`target_service_uuid` text NOT NULL,
	`bucket` text NOT NULL,
	`key` text NOT NULL,
	`source_etag` text NOT NULL,
	`size` integer NOT NULL,
	`target_etag` text NOT NULL,
	`copied_at` text NOT NULL,
	PRIMARY KEY(`target_service_uuid`, `bucket`, `key`),
	FOREIGN KEY (`target_service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `job_failures` (
	`job_uuid` text NOT NULL,
	`source_bucket` text NOT NULL,
	`key` text NOT NULL,
	`target_bucket` text NOT NULL,
	`size` integer NOT NULL,
	`source_etag` text DEFAULT '' NOT NULL,
	`stage` text NOT NULL,
	`error` text NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`job_uuid`, `source_bucket`, `key`),
	FOREIGN KEY (`job_uuid`) REFERENCES `jobs`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `job_tasks` (
	`job_uuid` text NOT NULL,
	`task_id` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text NOT NULL,
	`payload` text NOT NULL,
	`done` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`job_uuid`, `task_id`),
	FOREIGN KEY (`job_uuid`) REFERENCES `jobs`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_tasks_open` ON `job_tasks` (`job_uuid`,`done`);--> statement-breakpoint
CREATE INDEX `job_tasks_parent` ON `job_tasks` (`job_uuid`,`parent_id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`uuid` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`input` text NOT NULL,
	`source_secret_sealed` text NOT NULL,
	`target_secret_sealed` text NOT NULL,
	`target_service_uuid` text,
	`operational_state` text NOT NULL,
	`objects_total` integer DEFAULT 0 NOT NULL,
	`bytes_total` integer DEFAULT 0 NOT NULL,
	`objects_copied` integer DEFAULT 0 NOT NULL,
	`bytes_copied` integer DEFAULT 0 NOT NULL,
	`objects_skipped` integer DEFAULT 0 NOT NULL,
	`bytes_skipped` integer DEFAULT 0 NOT NULL,
	`objects_failed` integer DEFAULT 0 NOT NULL,
	`bytes_failed` integer DEFAULT 0 NOT NULL,
	`error` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`canceled_at` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`target_service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `jobs_account` ON `jobs` (`account_id`,`created_at`);