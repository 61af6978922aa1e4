-- Closing is the billed record (domain.md "Billing"): one row per patient-month as billed, written in the
-- close's transaction and never changed; an amendment adds the line's next version. The fees the month
-- was billed at are kept with it, so amendments and claims never read today's schedule.
ALTER TABLE billing_months ADD COLUMN target_minutes INTEGER;
ALTER TABLE billing_months ADD COLUMN date_of_service TEXT;
ALTER TABLE billing_months ADD COLUMN place_of_service TEXT;
-- The record's practice totals, kept with it (the billing trend reads twelve rows, not a year of lines).
ALTER TABLE billing_months ADD COLUMN total_patients BIGINT;
ALTER TABLE billing_months ADD COLUMN total_billable BIGINT;
ALTER TABLE billing_months ADD COLUMN total_minutes BIGINT;
ALTER TABLE billing_months ADD COLUMN total_cents BIGINT;
ALTER TABLE billing_months ADD COLUMN total_lines_without_fee BIGINT;
ALTER TABLE billing_months ADD COLUMN total_with_consent BIGINT;
ALTER TABLE billing_months ADD COLUMN total_at_target BIGINT;
ALTER TABLE billing_months ADD COLUMN total_flagged BIGINT;
ALTER TABLE coordinator_billing_summary ADD COLUMN lines_without_fee INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fee_schedule ADD COLUMN charge_cents BIGINT CHECK (charge_cents IS NULL OR charge_cents > 0);
UPDATE fee_schedule SET charge_cents = amount_cents WHERE amount_cents > 0;

CREATE TABLE billed_lines (
    id {pk},
    billing_year INTEGER NOT NULL,
    billing_month INTEGER NOT NULL,
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    version INTEGER NOT NULL CHECK (version >= 1),
    chart_code TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    coordinator_id BIGINT REFERENCES users(id),
    program TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    codes TEXT NOT NULL,
    billable BOOLEAN NOT NULL,
    consent_on_file BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    flags TEXT NOT NULL,
    amount_cents BIGINT,
    birth_date {date} NOT NULL,
    sex TEXT,
    member_id TEXT,
    payer TEXT,
    practitioner_id BIGINT REFERENCES providers(id),
    practitioner_name TEXT,
    practitioner_npi TEXT,
    diagnoses TEXT NOT NULL,
    date_of_service {date} NOT NULL,
    place_of_service TEXT NOT NULL,
    amendment_reason TEXT,
    amended_by BIGINT REFERENCES users(id),
    amended_at {ts},
    CHECK (billing_month BETWEEN 1 AND 12),
    CHECK ((version = 1) = (amendment_reason IS NULL))
);
CREATE UNIQUE INDEX billed_lines_version ON billed_lines (billing_year, billing_month, patient_id, version);

CREATE TABLE billed_fees (
    billing_year INTEGER NOT NULL,
    billing_month INTEGER NOT NULL,
    code TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    charge_cents BIGINT,
    PRIMARY KEY (billing_year, billing_month, code)
);

-- An administrator's correction of an entry in a closed month: the values before and after, why, who
-- and when. The entry changes only together with one of these (the closed-month triggers check).
CREATE TABLE entry_amendments (
    id {pk},
    entry_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    amended_by BIGINT NOT NULL REFERENCES users(id),
    amended_at {ts} NOT NULL,
    before_values TEXT NOT NULL,
    after_values TEXT NOT NULL
);
CREATE INDEX entry_amendments_entry ON entry_amendments (entry_id);
ALTER TABLE coordinator_task_log ADD COLUMN amendment_id BIGINT REFERENCES entry_amendments(id)
