-- carelog schema, shared by SQLite and PostgreSQL.
-- Tokens replaced per engine: {pk} auto-increment primary key, {ts} UTC timestamp, {date} calendar date.
-- Minutes are INTEGER and money is integer cents, so sums are exact and decode alike on both engines.

CREATE TABLE users (
    id {pk},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'manager', 'admin')),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE facilities (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    zip_code TEXT
);

CREATE TABLE providers (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    facility_id BIGINT REFERENCES facilities(id)
);

-- Managers and coordinators both carry a caseload (seed 001: a PCCM is also a coordinator).
CREATE TABLE coordinator_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    max_caseload INTEGER NOT NULL CHECK (max_caseload >= 0),
    availability TEXT NOT NULL,
    work_start TEXT NOT NULL,
    work_end TEXT NOT NULL,
    hired_on {date}
);

CREATE TABLE coordinator_specializations (
    user_id BIGINT NOT NULL REFERENCES users(id),
    specialization TEXT NOT NULL,
    PRIMARY KEY (user_id, specialization)
);

CREATE TABLE coordinator_languages (
    user_id BIGINT NOT NULL REFERENCES users(id),
    language TEXT NOT NULL,
    PRIMARY KEY (user_id, language)
);

CREATE TABLE coordinator_facilities (
    user_id BIGINT NOT NULL REFERENCES users(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    PRIMARY KEY (user_id, facility_id)
);

CREATE TABLE patients (
    id {pk},
    chart_code TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    dob {date} NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    zip_code TEXT,
    insurance_primary TEXT,
    insurance_policy TEXT,
    facility_id BIGINT REFERENCES facilities(id),
    provider_id BIGINT REFERENCES providers(id),
    coordinator_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL,
    care_gap_status TEXT NOT NULL,
    language TEXT NOT NULL,
    program TEXT NOT NULL,
    complexity TEXT NOT NULL,
    complex_ccm BOOLEAN NOT NULL DEFAULT FALSE,
    consent_date {date},
    chronic_conditions INTEGER NOT NULL DEFAULT 0,
    care_plan_status TEXT NOT NULL,
    onboarding_status TEXT NOT NULL,
    assignment_priority TEXT NOT NULL,
    visit_interval_months INTEGER NOT NULL CHECK (visit_interval_months BETWEEN 1 AND 24),
    provider_handoff_at {ts},
    notes TEXT NOT NULL DEFAULT '',
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX patients_coordinator ON patients (coordinator_id);
CREATE INDEX patients_onboarding ON patients (onboarding_status);

CREATE TABLE patient_special_needs (
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    need TEXT NOT NULL,
    PRIMARY KEY (patient_id, need)
);

CREATE TABLE visits (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    provider_id BIGINT REFERENCES providers(id),
    visit_date {date} NOT NULL,
    visit_type TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX visits_patient_date ON visits (patient_id, visit_date);

CREATE TABLE care_gaps (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_on {date} NOT NULL,
    closed_on {date}
);
CREATE INDEX care_gaps_patient ON care_gaps (patient_id, status);

CREATE TABLE task_types (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    needs_patient BOOLEAN NOT NULL,
    billable BOOLEAN NOT NULL,
    time_rule TEXT NOT NULL CHECK (time_rule IN ('minutes', 'none')),
    value_format TEXT CHECK (value_format IN ('yymm', 'yymmdd')),
    sort_order INTEGER NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE
);

-- The seed's AutomatedTaskSchedule.
CREATE TABLE automated_task_schedule (
    id {pk},
    task_type_id BIGINT NOT NULL REFERENCES task_types(id),
    frequency TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
    day_of_week INTEGER CHECK (day_of_week BETWEEN 1 AND 7),
    day_of_month INTEGER CHECK (day_of_month BETWEEN 1 AND 31),
    estimated_minutes INTEGER NOT NULL,
    priority TEXT NOT NULL,
    applies_to TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (task_type_id, frequency, applies_to)
);

-- One generated task per schedule, subject ('p:<patient>' or 'c:<coordinator>') and period.
CREATE TABLE generated_tasks (
    id {pk},
    schedule_id BIGINT NOT NULL REFERENCES automated_task_schedule(id),
    task_type_id BIGINT NOT NULL REFERENCES task_types(id),
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    patient_id BIGINT REFERENCES patients(id),
    subject_key TEXT NOT NULL,
    period_key TEXT NOT NULL,
    due_date {date} NOT NULL,
    estimated_minutes INTEGER NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
    completed_at {ts},
    task_log_id BIGINT,
    created_at {ts} NOT NULL,
    UNIQUE (schedule_id, subject_key, period_key)
);
CREATE INDEX generated_tasks_coordinator ON generated_tasks (coordinator_id, status, due_date);
CREATE INDEX generated_tasks_patient ON generated_tasks (patient_id, period_key);

-- The seed's CoordinatorTaskLog: the CM Log.
CREATE TABLE coordinator_task_log (
    id {pk},
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    patient_id BIGINT REFERENCES patients(id),
    task_type_id BIGINT NOT NULL REFERENCES task_types(id),
    task_category TEXT NOT NULL,
    minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 120),
    stat_value TEXT,
    notes TEXT NOT NULL DEFAULT '',
    task_at {ts} NOT NULL,
    billing_year INTEGER NOT NULL,
    billing_month INTEGER NOT NULL,
    is_automated BOOLEAN NOT NULL DEFAULT FALSE,
    generated_task_id BIGINT REFERENCES generated_tasks(id),
    above_average_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {ts} NOT NULL,
    modified_at {ts} NOT NULL
);
CREATE INDEX task_log_coordinator_time ON coordinator_task_log (coordinator_id, task_at);
CREATE INDEX task_log_patient_time ON coordinator_task_log (patient_id, task_at);
CREATE INDEX task_log_billing_month ON coordinator_task_log (billing_year, billing_month);
CREATE INDEX task_log_type_time ON coordinator_task_log (task_type_id, task_at);

-- The seed's CoordinatorBillingSummary: a closed month's snapshot per coordinator.
CREATE TABLE coordinator_billing_summary (
    id {pk},
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    billing_year INTEGER NOT NULL,
    billing_month INTEGER NOT NULL,
    total_minutes INTEGER NOT NULL,
    billing_codes TEXT NOT NULL,
    estimated_reimbursement_cents BIGINT,
    task_count INTEGER NOT NULL,
    patient_count INTEGER NOT NULL,
    rule_set TEXT NOT NULL,
    generated_at {ts} NOT NULL,
    UNIQUE (coordinator_id, billing_year, billing_month)
);

CREATE TABLE billing_months (
    billing_year INTEGER NOT NULL,
    billing_month INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    rule_set TEXT NOT NULL,
    closed_at {ts},
    closed_by BIGINT REFERENCES users(id),
    PRIMARY KEY (billing_year, billing_month)
);

CREATE TABLE fee_schedule (
    code TEXT NOT NULL,
    fee_year INTEGER NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (code, fee_year)
);

CREATE TABLE settings (
    setting_key TEXT PRIMARY KEY,
    setting_value TEXT NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE assignments (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    previous_coordinator_id BIGINT REFERENCES users(id),
    assigned_by BIGINT REFERENCES users(id),
    assigned_at {ts} NOT NULL,
    match_score DOUBLE PRECISION,
    workload_score DOUBLE PRECISION,
    specialization_score DOUBLE PRECISION,
    experience_score DOUBLE PRECISION,
    language_score DOUBLE PRECISION,
    rationale TEXT NOT NULL DEFAULT '',
    handoff_at {ts}
);
CREATE INDEX assignments_patient ON assignments (patient_id, assigned_at);
CREATE INDEX assignments_coordinator ON assignments (coordinator_id, assigned_at);

CREATE TABLE qa_reviews (
    id {pk},
    task_log_id BIGINT NOT NULL REFERENCES coordinator_task_log(id),
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    accurate BOOLEAN NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    reviewed_at {ts} NOT NULL
);
CREATE INDEX qa_reviews_coordinator ON qa_reviews (coordinator_id, reviewed_at);

CREATE TABLE satisfaction_surveys (
    id {pk},
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    coordinator_id BIGINT NOT NULL REFERENCES users(id),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    surveyed_on {date} NOT NULL,
    recorded_by BIGINT REFERENCES users(id)
);
CREATE INDEX satisfaction_coordinator ON satisfaction_surveys (coordinator_id, surveyed_on);

-- Append-only (triggers refuse UPDATE and DELETE). No foreign keys: history outlives what it names.
CREATE TABLE audit_events (
    id {pk},
    at {ts} NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_patient ON audit_events (patient_id, at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);

-- Sessions are keyed by a hash of the cookie value, so the table alone cannot sign anyone in.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at {ts} NOT NULL,
    last_seen_at {ts} NOT NULL,
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id {pk},
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at {ts} NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE notifications (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL,
    read_at {ts}
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

-- One row per job and period: the server whose insert succeeds runs it (several servers, one run).
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period_key TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at {ts} NOT NULL,
    finished_at {ts},
    PRIMARY KEY (job, period_key)
);
