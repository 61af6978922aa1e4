-- A diagnosis is coded in ICD-10-CM, or kept in SNOMED CT (a condition from Synthea without an ICD-10-CM
-- coding) until someone codes it: it is recorded, shown as needing its code, and does not qualify.
ALTER TABLE patient_diagnoses ADD COLUMN code_system TEXT NOT NULL DEFAULT 'ICD-10-CM'
