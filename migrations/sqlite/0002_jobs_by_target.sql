-- Each target's lane claims its own due jobs.
CREATE INDEX IF NOT EXISTS jobs_target_due ON jobs (target, state, next_attempt_ms);
