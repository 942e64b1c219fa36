CREATE TABLE "notification_channels" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"settings" jsonb NOT NULL,
	"profile_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_channels_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"alert_id" text NOT NULL,
	"change_seq" bigint NOT NULL,
	"reason" text NOT NULL,
	"subscription_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"subscriber_id" text NOT NULL,
	"address" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"last_error" text,
	"detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_match_states" (
	"subscription_id" text NOT NULL,
	"alert_id" text NOT NULL,
	"matching_since" timestamp with time zone,
	"pending" text,
	"pending_seq" bigint,
	"due_at" timestamp with time zone,
	CONSTRAINT "notification_match_states_subscription_id_alert_id_pk" PRIMARY KEY("subscription_id","alert_id")
);
--> statement-breakpoint
CREATE TABLE "notification_subscribers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"schedule" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"addresses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_subscribers_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "notification_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"criteria" jsonb NOT NULL,
	"recipients" jsonb NOT NULL,
	"channel_ids" jsonb NOT NULL,
	"delay_seconds" integer DEFAULT 0 NOT NULL,
	"only_on_resolution_change" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_subscriptions_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "notifier_cursor" (
	"id" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_once_idx" ON "notification_deliveries" USING btree ("change_seq","subscription_id","channel_id","subscriber_id","address");--> statement-breakpoint
CREATE INDEX "notification_deliveries_due_idx" ON "notification_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "notification_deliveries_alert_idx" ON "notification_deliveries" USING btree ("alert_id");--> statement-breakpoint
CREATE INDEX "notification_match_states_due_idx" ON "notification_match_states" USING btree ("due_at");