ALTER TABLE "tasks" ADD COLUMN "checkpoint" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "checkpoint_by" jsonb;--> statement-breakpoint
ALTER TABLE "volunteer_sessions" ADD COLUMN "ready_for_ai" boolean DEFAULT false NOT NULL;