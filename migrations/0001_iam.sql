CREATE TABLE `iam_access_keys` (
	`access_key_id` text PRIMARY KEY NOT NULL,
	`service_uuid` text NOT NULL,
	`username` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text DEFAULT '0001-01-01T00:00:00Z' NOT NULL,
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_uuid`,`username`) REFERENCES `iam_users`(`service_uuid`,`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iam_access_keys_user` ON `iam_access_keys` (`service_uuid`,`username`);--> statement-breakpoint
CREATE TABLE `iam_attachments` (
	`service_uuid` text NOT NULL,
	`principal_type` text NOT NULL,
	`principal_name` text NOT NULL,
	`policy_name` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `principal_type`, `principal_name`, `policy_name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `iam_attachments_policy` ON `iam_attachments` (`service_uuid`,`policy_name`);--> statement-breakpoint
CREATE TABLE `iam_group_members` (
	`service_uuid` text NOT NULL,
	`group_name` text NOT NULL,
	`username` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `group_name`, `username`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_uuid`,`group_name`) REFERENCES `iam_groups`(`service_uuid`,`name`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_uuid`,`username`) REFERENCES `iam_users`(`service_uuid`,`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iam_group_members_user` ON `iam_group_members` (`service_uuid`,`username`);--> statement-breakpoint
CREATE TABLE `iam_groups` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `iam_inline_policies` (
	`service_uuid` text NOT NULL,
	`principal_type` text NOT NULL,
	`principal_name` text NOT NULL,
	`name` text NOT NULL,
	`document` text NOT NULL,
	`normalized` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `principal_type`, `principal_name`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `iam_policies` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`default_version` integer NOT NULL,
	`next_version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `iam_policy_versions` (
	`service_uuid` text NOT NULL,
	`policy_name` text NOT NULL,
	`version` integer NOT NULL,
	`document` text NOT NULL,
	`normalized` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `policy_name`, `version`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_uuid`,`policy_name`) REFERENCES `iam_policies`(`service_uuid`,`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `iam_roles` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`id` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`trust_document` text NOT NULL,
	`trust_normalized` text NOT NULL,
	`max_session_duration` integer NOT NULL,
	`permissions_boundary` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iam_roles_id_unique` ON `iam_roles` (`id`);--> statement-breakpoint
CREATE TABLE `iam_tags` (
	`service_uuid` text NOT NULL,
	`principal_type` text NOT NULL,
	`principal_name` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`service_uuid`, `principal_type`, `principal_name`, `key`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `iam_users` (
	`service_uuid` text NOT NULL,
	`name` text NOT NULL,
	`id` text NOT NULL,
	`permissions_boundary` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`service_uuid`, `name`),
	FOREIGN KEY (`service_uuid`) REFERENCES `services`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iam_users_id_unique` ON `iam_users` (`id`);