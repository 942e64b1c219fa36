CREATE TABLE "automation_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"disable_local_auth" boolean DEFAULT false NOT NULL,
	"max_concurrent_jobs" integer DEFAULT 10 NOT NULL,
	"max_new_jobs_per_30s" integer DEFAULT 100 NOT NULL,
	"fair_share_seconds" integer DEFAULT 10800 NOT NULL,
	"job_retention_days" integer DEFAULT 30 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_accounts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "runbooks" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"description" text NOT NULL,
	"draft_content" text NOT NULL,
	"draft_parameters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"draft_updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runbook_versions" (
	"runbook_id" text NOT NULL,
	"version" integer NOT NULL,
	"content" text NOT NULL,
	"parameters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"rolled_back_from" integer,
	"published_by" text NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runbook_versions_runbook_id_version_pk" PRIMARY KEY("runbook_id","version")
);
--> statement-breakpoint
CREATE TABLE "automation_connection_types" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_assets" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"encrypted" boolean DEFAULT false NOT NULL,
	"public_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"connection_type_id" text,
	"version" integer NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runbooks" ADD CONSTRAINT "runbooks_automation_account_id_automation_accounts_id_fk" FOREIGN KEY ("automation_account_id") REFERENCES "public"."automation_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runbook_versions" ADD CONSTRAINT "runbook_versions_runbook_id_runbooks_id_fk" FOREIGN KEY ("runbook_id") REFERENCES "public"."runbooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_connection_types" ADD CONSTRAINT "automation_connection_types_automation_account_id_automation_accounts_id_fk" FOREIGN KEY ("automation_account_id") REFERENCES "public"."automation_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_assets" ADD CONSTRAINT "automation_assets_automation_account_id_automation_accounts_id_fk" FOREIGN KEY ("automation_account_id") REFERENCES "public"."automation_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_assets" ADD CONSTRAINT "automation_assets_connection_type_id_automation_connection_types_id_fk" FOREIGN KEY ("connection_type_id") REFERENCES "public"."automation_connection_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "runbooks_account_name_idx" ON "runbooks" USING btree ("automation_account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_connection_types_account_name_idx" ON "automation_connection_types" USING btree ("automation_account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_assets_account_kind_name_idx" ON "automation_assets" USING btree ("automation_account_id","kind","name");--> statement-breakpoint
CREATE INDEX "automation_assets_connection_type_idx" ON "automation_assets" USING btree ("connection_type_id");
