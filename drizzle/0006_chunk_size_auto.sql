-- Whether the hub chose a job's chunk size, so any hub process may re-chunk it as it runs (chunk-tuner.ts).
-- Jobs queued before this migration keep the chunks they have (false).
ALTER TABLE "jobs" ADD COLUMN "chunk_size_auto" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_tuned_idx" ON "jobs" USING btree ("created_at") WHERE "jobs"."chunk_size_auto" and "jobs"."status" in ('queued', 'running');
