-- Enrollment records (domain.md "Enrollment"): consent per program, diagnoses, care plan versions with
-- their goals, and changes of the complex-CCM flag, each with who recorded it. Providers get an NPI.
-- The typed fields these replace (consent date, care plan status) become records here, marked
-- imported; the chronic-condition count stays on the patient and stands until diagnoses are recorded.
ALTER TABLE providers ADD COLUMN npi TEXT;
CREATE UNIQUE INDEX providers_npi ON providers (npi);

CREATE TABLE patient_consents (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    program TEXT NOT NULL,
    obtained_on {date} NOT NULL,
    method TEXT NOT NULL,
    obtained_by BIGINT REFERENCES users(id),
    service_available BOOLEAN NOT NULL DEFAULT FALSE,
    cost_sharing BOOLEAN NOT NULL DEFAULT FALSE,
    one_practitioner_a_month BOOLEAN NOT NULL DEFAULT FALSE,
    may_stop_any_time BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT NOT NULL DEFAULT '',
    withdrawn_on {date},
    source TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    recorded_at {ts} NOT NULL,
    CHECK (withdrawn_on IS NULL OR withdrawn_on >= obtained_on)
);
CREATE INDEX patient_consents_patient ON patient_consents (patient_id);

CREATE TABLE patient_diagnoses (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    chronic BOOLEAN NOT NULL,
    onset_on {date},
    resolved_on {date},
    source TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    recorded_at {ts} NOT NULL,
    CHECK (resolved_on IS NULL OR onset_on IS NULL OR resolved_on >= onset_on)
);
CREATE INDEX patient_diagnoses_patient ON patient_diagnoses (patient_id);

CREATE TABLE care_plan_versions (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    problem_list TEXT NOT NULL DEFAULT '',
    expected_outcome TEXT NOT NULL DEFAULT '',
    symptom_management TEXT NOT NULL DEFAULT '',
    interventions TEXT NOT NULL DEFAULT '',
    medication_management TEXT NOT NULL DEFAULT '',
    community_services TEXT NOT NULL DEFAULT '',
    coordination TEXT NOT NULL DEFAULT '',
    next_review_on {date},
    source TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    activated_on {date},
    activated_by BIGINT REFERENCES users(id),
    approved_by_provider_id BIGINT REFERENCES providers(id),
    ended_on {date},
    copy_given_on {date},
    copy_given_how TEXT,
    UNIQUE (patient_id, version)
);
-- One draft and one active version at a time.
CREATE UNIQUE INDEX care_plan_versions_one_draft ON care_plan_versions (patient_id) WHERE state = 'Draft';
CREATE UNIQUE INDEX care_plan_versions_one_active ON care_plan_versions (patient_id) WHERE state = 'Active';

CREATE TABLE care_plan_goals (
    id {pk},
    version_id BIGINT NOT NULL REFERENCES care_plan_versions(id),
    position INTEGER NOT NULL,
    goal TEXT NOT NULL,
    target_on {date},
    status TEXT NOT NULL,
    UNIQUE (version_id, position)
);

CREATE TABLE complexity_changes (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    effective_on {date} NOT NULL,
    complex BOOLEAN NOT NULL,
    previous BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    recorded_at {ts} NOT NULL
);
CREATE INDEX complexity_changes_patient ON complexity_changes (patient_id, effective_on);

-- The typed fields as records. The keys are written out: this is the vocabulary of version 14.
INSERT INTO patient_consents (patient_id, program, obtained_on, method, source, recorded_at, note)
SELECT id, 'CCM', consent_date, 'not recorded', 'imported', updated_at, 'consent date kept on the patient before enrollment records'
FROM patients WHERE consent_date IS NOT NULL AND program IN ('CCM', 'CCM+PCM');
INSERT INTO patient_consents (patient_id, program, obtained_on, method, source, recorded_at, note)
SELECT id, 'PCM', consent_date, 'not recorded', 'imported', updated_at, 'consent date kept on the patient before enrollment records'
FROM patients WHERE consent_date IS NOT NULL AND program IN ('PCM', 'CCM+PCM');
INSERT INTO care_plan_versions (patient_id, version, state, source, created_at, updated_at)
SELECT id, 1, 'Active', 'imported', updated_at, updated_at FROM patients WHERE care_plan_status IN ('Active', 'Needs Review');
INSERT INTO care_plan_versions (patient_id, version, state, source, created_at, updated_at)
SELECT id, 1, 'Draft', 'imported', updated_at, updated_at FROM patients WHERE care_plan_status = 'Draft';
