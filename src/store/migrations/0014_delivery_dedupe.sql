CREATE TABLE "alert_snapshots" (
	"change_seq" bigint PRIMARY KEY NOT NULL,
	"alert_id" text NOT NULL,
	"alert" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_snapshots" ADD CONSTRAINT "alert_snapshots_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "alert_snapshots_alert_idx" ON "alert_snapshots" USING btree ("alert_id","change_seq");
--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD COLUMN "sources" jsonb;
--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD COLUMN "alert_seq" bigint;
--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_address_once_idx" ON "notification_deliveries" USING btree ("alert_id","change_seq","channel_id","address") WHERE "notification_deliveries"."sources" IS NOT NULL;
