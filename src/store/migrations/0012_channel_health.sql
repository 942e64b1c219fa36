CREATE TABLE "notification_channel_health" (
	"channel_id" text PRIMARY KEY NOT NULL REFERENCES "notification_channels"("id") ON DELETE CASCADE,
	"cause" text NOT NULL,
	"reason" text NOT NULL,
	"paused_at" timestamp with time zone NOT NULL,
	"failed_probes" integer DEFAULT 0 NOT NULL,
	"next_probe_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "notification_deliveries_channel_idx" ON "notification_deliveries" USING btree ("channel_id","status","created_at");
