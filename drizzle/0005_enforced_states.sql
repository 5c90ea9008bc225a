-- The database enforces its states and references (issue 13, part 5). drizzle's migrator runs every pending
-- migration in one transaction, so the repairs below and the constraints after them commit together or not
-- at all; adding each constraint validates it at once (NOT VALID then VALIDATE would buy nothing inside one
-- transaction).
--
-- A database at 0004 may hold rows these constraints refuse. Each kind is handled on purpose:
--   * a state outside its set (tasks.state, jobs.status, results.verdict, …): refused. No version of the hub
--     ever wrote one (the sets are unchanged since 0000), so such a row was edited by hand, and guessing what
--     it meant would be worse than stopping: the migration fails naming the violated CHECK, nothing changes.
--   * references left dangling by a hand-made delete (an operator pruning jobs or volunteers with psql, or a
--     restored backup that held such rows): repaired as follows, never by deleting accepted work or credit.
--
-- Credit outlives its job: a ledger row whose job or task is gone keeps its amount and forgets its source,
-- as ON DELETE SET NULL does from now on (volunteers.credit is the ledger's sum and must stay so).
ALTER TABLE "credit_ledger" ALTER COLUMN "job_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "credit_ledger" ALTER COLUMN "task_id" DROP NOT NULL;--> statement-breakpoint
UPDATE "credit_ledger" SET "job_id" = NULL WHERE "job_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "jobs" j WHERE j."id" = "credit_ledger"."job_id");--> statement-breakpoint
UPDATE "credit_ledger" SET "task_id" = NULL WHERE "task_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "tasks" t WHERE t."id" = "credit_ledger"."task_id");--> statement-breakpoint
-- A result's job is its task's (the task's own key to jobs has always held): one naming another, absent job
-- takes its task's again.
UPDATE "results" SET "job_id" = t."job_id" FROM "tasks" t
	WHERE t."id" = "results"."task_id" AND NOT EXISTS (SELECT 1 FROM "jobs" j WHERE j."id" = "results"."job_id");--> statement-breakpoint
-- A volunteer id named by a result or a lease but with no row: the row is given back (with no credit or
-- record, as openSession would have made it). Deleting the results instead would delete accepted outputs of
-- jobs (accepted_results cascades), and a result cannot lose its author (quorums and blame read it).
INSERT INTO "volunteers" ("id")
	SELECT "volunteer_id" FROM "results" UNION SELECT "lease_volunteer" FROM "tasks" WHERE "lease_volunteer" IS NOT NULL
	ON CONFLICT ("id") DO NOTHING;--> statement-breakpoint
-- A task's model is its job's (copied at creation, and jobs.model_id has always been a key): a task naming
-- an absent model takes its job's again.
UPDATE "tasks" SET "model_id" = j."model_id" FROM "jobs" j
	WHERE j."id" = "tasks"."job_id" AND NOT EXISTS (SELECT 1 FROM "models" m WHERE m."id" = "tasks"."model_id");--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_volunteer_id_volunteers_id_fk" FOREIGN KEY ("volunteer_id") REFERENCES "public"."volunteers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_lease_volunteer_volunteers_id_fk" FOREIGN KEY ("lease_volunteer") REFERENCES "public"."volunteers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_ledger_job_idx" ON "credit_ledger" USING btree ("job_id");--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_source_check" CHECK ("models"."source" in ('demo', 'import'));--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_task_types_check" CHECK (jsonb_typeof("models"."task_types") = 'array' and "models"."task_types" <@ '["embedding","text_generation","classification","image_classification"]'::jsonb);--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_status_check" CHECK ("jobs"."status" in ('queued', 'running', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_task_type_check" CHECK ("jobs"."task_type" in ('embedding', 'text_generation', 'classification', 'image_classification'));--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_verdict_check" CHECK ("results"."verdict" in ('pending', 'valid', 'invalid', 'unchecked'));--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_backend_check" CHECK ("results"."backend" in ('webgpu', 'wasm', 'native'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_state_check" CHECK ("tasks"."state" in ('queued', 'leased', 'done', 'dead', 'cancelled'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_task_type_check" CHECK ("tasks"."task_type" in ('embedding', 'text_generation', 'classification', 'image_classification'));--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_backend_class_check" CHECK ("tasks"."backend_class" in ('webgpu-f16', 'webgpu-f32', 'wasm', 'native'));--> statement-breakpoint
ALTER TABLE "volunteer_sessions" ADD CONSTRAINT "volunteer_sessions_mode_check" CHECK ("volunteer_sessions"."mode" in ('always', 'auto', 'paused'));--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_action_check" CHECK ("audit_log"."action" in ('key.minted', 'key.revoked', 'model.imported', 'job.cancelled', 'backup.created', 'webhook.created', 'webhook.deleted'));--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_check" CHECK ("webhook_deliveries"."event" in ('job.completed', 'job.failed', 'batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired'));--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_events_check" CHECK ("webhooks"."events" <@ array['job.completed', 'job.failed', 'batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired']::text[]);--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_status_check" CHECK ("batches"."status" in ('validating', 'in_progress', 'cancelling', 'completed', 'cancelled', 'failed', 'expired'));--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_endpoint_check" CHECK ("batches"."endpoint" in ('/v1/embeddings', '/v1/chat/completions', '/v1/completions'));--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_purpose_check" CHECK ("files"."purpose" in ('batch', 'batch_output'));