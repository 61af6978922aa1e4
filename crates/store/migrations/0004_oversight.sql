-- Tab 3: QA reviews rate an entry 1–5 as well as marking it accurate, once per entry.
ALTER TABLE qa_reviews ADD COLUMN rating INTEGER NOT NULL DEFAULT 3 CHECK (rating BETWEEN 1 AND 5);
CREATE UNIQUE INDEX qa_reviews_entry ON qa_reviews (task_log_id);

-- One survey per patient per day: a second is a double entry.
CREATE UNIQUE INDEX satisfaction_patient_day ON satisfaction_surveys (patient_id, surveyed_on);

-- A handoff meeting's other attendee (the previous coordinator, or the manager who set it up).
ALTER TABLE assignments ADD COLUMN handoff_with BIGINT REFERENCES users(id);

-- A manager's request for an admin's view on an assignment, and the answer.
CREATE TABLE senior_reviews (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at {ts} NOT NULL,
    proposed_coordinator_id BIGINT REFERENCES users(id),
    request_notes TEXT NOT NULL,
    answered_by BIGINT REFERENCES users(id),
    answered_at {ts},
    answer TEXT
);
CREATE INDEX senior_reviews_patient ON senior_reviews (patient_id, requested_at);
