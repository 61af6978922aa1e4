-- A change counter behind the cached team figures of Tab 3 and the match score (caseloads, recent
-- activity, reviews, completions). Triggers (engine-specific, in migrate.rs) bump it in the same
-- transaction as any change to a table those figures read. PostgreSQL spreads it over shards (by
-- transaction) so concurrent writers rarely wait on one row.
CREATE TABLE team_revisions (
    shard INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);

-- Covering indexes for the pages every coordinator opens all day (the panel's month minutes and task
-- progress, the header's month) and for a task type's average minutes (every entry with minutes): read
-- from the index alone, without a table lookup per entry. Each replaces an index with the same leading
-- columns.
CREATE INDEX task_log_coordinator_time_minutes ON coordinator_task_log (coordinator_id, task_at, patient_id, minutes);
DROP INDEX task_log_coordinator_time;
CREATE INDEX task_log_patient_time_minutes ON coordinator_task_log (patient_id, task_at, minutes, task_type_id);
DROP INDEX task_log_patient_time;
CREATE INDEX generated_tasks_patient_status ON generated_tasks (patient_id, period_key, status);
DROP INDEX generated_tasks_patient;
CREATE INDEX task_log_type_time_minutes ON coordinator_task_log (task_type_id, task_at, minutes);
DROP INDEX task_log_type_time;
