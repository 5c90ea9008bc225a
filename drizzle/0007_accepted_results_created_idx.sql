-- Known-answer checks draw from the most recent accepted chunks (spot-checks.ts): read from the end of this
-- index instead of sorting every accepted chunk of all time at each draw.
CREATE INDEX "accepted_results_created_idx" ON "accepted_results" USING btree ("created_at");