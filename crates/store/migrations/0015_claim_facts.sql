-- What a claim needs of a patient that the ZMO sheet now carries: administrative sex, the payer's member
-- ID (for Medicare, the MBI), and the practitioner who bills their care management.
ALTER TABLE patients ADD COLUMN sex TEXT;
ALTER TABLE patients ADD COLUMN member_id TEXT;
ALTER TABLE patients ADD COLUMN billing_provider_id BIGINT REFERENCES providers(id)
