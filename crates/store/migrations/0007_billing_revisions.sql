-- Change counters behind the billing summary's cache. Triggers (engine-specific, in migrate.rs) bump
-- the scope of every change that can move a month's figures, in the same transaction as the change:
-- scope year * 100 + month for the log entries of that month, scope 0 for patients, task types, fees
-- and settings. A cached summary is good while its scopes' sums are unchanged. PostgreSQL spreads a
-- scope over shards (by transaction) so concurrent writers of one month rarely wait on one row.
CREATE TABLE billing_revisions (
    scope INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    revision BIGINT NOT NULL,
    PRIMARY KEY (scope, shard)
);

-- The team's activity over a recent window (Tab 3): a range of task_at read from the index alone.
CREATE INDEX task_log_time_activity ON coordinator_task_log (task_at, coordinator_id, patient_id, minutes);
