-- The timer may start before its task type is known (from a panel row or the patient record): the
-- type is then chosen in the form the stop fills in.
CREATE TABLE task_timers_next (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    patient_id BIGINT REFERENCES patients(id),
    task_type_id BIGINT REFERENCES task_types(id),
    started_at {ts} NOT NULL
);
INSERT INTO task_timers_next (user_id, patient_id, task_type_id, started_at)
    SELECT user_id, patient_id, task_type_id, started_at FROM task_timers;
DROP TABLE task_timers;
ALTER TABLE task_timers_next RENAME TO task_timers;
