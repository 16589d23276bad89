CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`password_hash` text,
	`parent_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_name_unique` ON `accounts` (`name`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text,
	`revoked_at` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_account` ON `api_tokens` (`account_id`);--> statement-breakpoint
CREATE TABLE `buckets` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`deleted_at` text,
	`policy` text,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `buckets_name` ON `buckets` (`name`);--> statement-breakpoint
CREATE TABLE `service_labels` (
	`service_uuid` text NOT NULL,
	`key` text NOT NULL,
	`value` text DEFAULT '' NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`service_uuid`, `key`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `service_labels_key` ON `service_labels` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `service_networks` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`family` text NOT NULL,
	`uuid` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `service_state_messages` (
	`service_uuid` text NOT NULL,
	`code` text NOT NULL,
	`message` text NOT NULL,
	`operational_state` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `code`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `services` (
	`uuid` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`region` text NOT NULL,
	`configured_status` text NOT NULL,
	`operational_state` text NOT NULL,
	`termination_protection` integer DEFAULT false NOT NULL,
	`endpoint_label` text NOT NULL,
	`access_control_origin_override` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleting_since` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_endpoint_label_unique` ON `services` (`endpoint_label`);--> statement-breakpoint
CREATE UNIQUE INDEX `services_account_name` ON `services` (`account_id`,`name`);--> statement-breakpoint
CREATE INDEX `services_account` ON `services` (`account_id`);