CREATE TABLE "profile_uses" (
	"pack_id" text NOT NULL,
	"element_id" text NOT NULL,
	"element_kind" text NOT NULL,
	"profile_id" text NOT NULL,
	"target_class_id" text,
	"path" text NOT NULL,
	"via" text,
	"how" text NOT NULL,
	CONSTRAINT "profile_uses_pack_id_element_id_profile_id_path_pk" PRIMARY KEY("pack_id","element_id","profile_id","path")
);
--> statement-breakpoint
ALTER TABLE "profile_uses" ADD CONSTRAINT "profile_uses_pack_id_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."packs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "profile_uses_profile_idx" ON "profile_uses" USING btree ("profile_id");
--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "created_by" text;
--> statement-breakpoint
ALTER TABLE "management_servers" ADD COLUMN "default_action_account_id" text;
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "platform" text;
