CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"kind" text NOT NULL,
	"target" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "classes" (
	"id" text PRIMARY KEY NOT NULL,
	"pack_id" text,
	"base_class_id" text,
	"display_name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"abstract" boolean DEFAULT false NOT NULL,
	"hosted" boolean DEFAULT false NOT NULL,
	"key_properties" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"properties" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "computers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"default_action_account_id" text,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "computers_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" text NOT NULL,
	"object_id" text NOT NULL,
	CONSTRAINT "group_members_group_id_object_id_pk" PRIMARY KEY("group_id","object_id")
);
--> statement-breakpoint
CREATE TABLE "group_subgroups" (
	"group_id" text NOT NULL,
	"member_group_id" text NOT NULL,
	CONSTRAINT "group_subgroups_group_id_member_group_id_pk" PRIMARY KEY("group_id","member_group_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" text PRIMARY KEY NOT NULL,
	"pack_id" text,
	"display_name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "management_servers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"version" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "objects" (
	"id" text PRIMARY KEY NOT NULL,
	"class_id" text NOT NULL,
	"name" text NOT NULL,
	"display_name" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"host_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pack_references" (
	"pack_id" text NOT NULL,
	"ref_pack_id" text NOT NULL,
	"alias" text NOT NULL,
	"min_version" text NOT NULL,
	CONSTRAINT "pack_references_pack_id_ref_pack_id_pk" PRIMARY KEY("pack_id","ref_pack_id")
);
--> statement-breakpoint
CREATE TABLE "packs" (
	"id" text PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"sealed" boolean NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"display_name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"format" text NOT NULL,
	"source" text NOT NULL,
	"skipped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"imported_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pool_members" (
	"pool_id" text NOT NULL,
	"server_id" text NOT NULL,
	CONSTRAINT "pool_members_pool_id_server_id_pk" PRIMARY KEY("pool_id","server_id")
);
--> statement-breakpoint
CREATE TABLE "pools" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"membership" text NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	CONSTRAINT "pools_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"pack_id" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"context_class_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relationships" (
	"id" text PRIMARY KEY NOT NULL,
	"pack_id" text NOT NULL,
	"kind" text NOT NULL,
	"source_class_id" text NOT NULL,
	"target_class_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sealed_secrets" (
	"id" text NOT NULL,
	"version" integer NOT NULL,
	"root_key_id" text NOT NULL,
	"wrapped_key" text NOT NULL,
	"nonce" text NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sealed_secrets_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"must_change_password" boolean DEFAULT false NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" text PRIMARY KEY NOT NULL,
	"pack_id" text NOT NULL,
	"kind" text NOT NULL,
	"display_name" text NOT NULL,
	"target_class_id" text NOT NULL,
	"profile_id" text,
	"action" jsonb NOT NULL,
	"schedule" jsonb,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "classes" ADD CONSTRAINT "classes_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "computers" ADD CONSTRAINT "computers_id_objects_id_fk" FOREIGN KEY ("id") REFERENCES "public"."objects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_object_id_objects_id_fk" FOREIGN KEY ("object_id") REFERENCES "public"."objects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_subgroups" ADD CONSTRAINT "group_subgroups_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_subgroups" ADD CONSTRAINT "group_subgroups_member_group_id_groups_id_fk" FOREIGN KEY ("member_group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objects" ADD CONSTRAINT "objects_class_id_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."classes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pack_references" ADD CONSTRAINT "pack_references_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pack_references" ADD CONSTRAINT "pack_references_ref_pack_id_packs_id_fk" FOREIGN KEY ("ref_pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pool_members" ADD CONSTRAINT "pool_members_pool_id_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pool_members" ADD CONSTRAINT "pool_members_server_id_management_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."management_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pools" ADD CONSTRAINT "pools_id_objects_id_fk" FOREIGN KEY ("id") REFERENCES "public"."objects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_context_class_id_classes_id_fk" FOREIGN KEY ("context_class_id") REFERENCES "public"."classes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relationships" ADD CONSTRAINT "relationships_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_target_class_id_classes_id_fk" FOREIGN KEY ("target_class_id") REFERENCES "public"."classes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflows" ADD CONSTRAINT "workflows_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor");--> statement-breakpoint
CREATE INDEX "audit_log_kind_idx" ON "audit_log" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "classes_pack_id_idx" ON "classes" USING btree ("pack_id");--> statement-breakpoint
CREATE INDEX "classes_base_class_id_idx" ON "classes" USING btree ("base_class_id");--> statement-breakpoint
CREATE INDEX "group_members_object_idx" ON "group_members" USING btree ("object_id");--> statement-breakpoint
CREATE INDEX "group_subgroups_member_idx" ON "group_subgroups" USING btree ("member_group_id");--> statement-breakpoint
CREATE INDEX "groups_pack_id_idx" ON "groups" USING btree ("pack_id");--> statement-breakpoint
CREATE INDEX "objects_class_id_idx" ON "objects" USING btree ("class_id");--> statement-breakpoint
CREATE INDEX "objects_host_id_idx" ON "objects" USING btree ("host_id");--> statement-breakpoint
CREATE UNIQUE INDEX "objects_host_name_idx" ON "objects" USING btree ("host_id","class_id","name");--> statement-breakpoint
CREATE INDEX "pack_references_ref_idx" ON "pack_references" USING btree ("ref_pack_id");--> statement-breakpoint
CREATE INDEX "pool_members_server_idx" ON "pool_members" USING btree ("server_id");--> statement-breakpoint
CREATE INDEX "profiles_pack_id_idx" ON "profiles" USING btree ("pack_id");--> statement-breakpoint
CREATE INDEX "profiles_context_class_idx" ON "profiles" USING btree ("context_class_id");--> statement-breakpoint
CREATE INDEX "relationships_pack_id_idx" ON "relationships" USING btree ("pack_id");--> statement-breakpoint
CREATE INDEX "sealed_secrets_root_key_id_idx" ON "sealed_secrets" USING btree ("root_key_id");--> statement-breakpoint
CREATE INDEX "workflows_pack_id_idx" ON "workflows" USING btree ("pack_id");--> statement-breakpoint
CREATE INDEX "workflows_target_class_idx" ON "workflows" USING btree ("target_class_id");--> statement-breakpoint
CREATE INDEX "workflows_profile_idx" ON "workflows" USING btree ("profile_id");