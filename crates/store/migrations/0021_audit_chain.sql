-- Audit (issue 20): each event's kind, the patients a bulk read returned (so filtering by patient
-- finds it), and a hash chain over every event for tamper evidence. All append-only.
ALTER TABLE audit_events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_kind ON audit_events (kind, at);
CREATE TABLE audit_event_patients (
    event_id BIGINT NOT NULL REFERENCES audit_events(id),
    patient_id BIGINT NOT NULL,
    PRIMARY KEY (event_id, patient_id)
);
CREATE INDEX audit_event_patients_patient ON audit_event_patients (patient_id, event_id);
CREATE TABLE audit_chain (
    seq BIGINT PRIMARY KEY,
    event_id BIGINT NOT NULL UNIQUE REFERENCES audit_events(id),
    previous TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- earlier_sealed: the events from before this migration are in the chain (sealed once, at a start).
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    earlier_sealed BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, 'carelog audit chain v1');
