ALTER TABLE "teams" ADD COLUMN "creator_id" text;--> statement-breakpoint
ALTER TABLE "volunteers" ADD COLUMN "team_joined_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_creator_id_volunteers_id_fk" FOREIGN KEY ("creator_id") REFERENCES "public"."volunteers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "volunteers_team_idx" ON "volunteers" USING btree ("team_id");