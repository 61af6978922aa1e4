-- A running task timer per user, kept in the database so it survives reloads and any server can serve it.
CREATE TABLE task_timers (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    patient_id BIGINT REFERENCES patients(id),
    task_type_id BIGINT NOT NULL REFERENCES task_types(id),
    started_at {ts} NOT NULL
);

-- Double-submit detection looks at a coordinator's entries created in the last two minutes.
CREATE INDEX task_log_coordinator_created ON coordinator_task_log (coordinator_id, created_at);
