-- The enrollment itself (domain.md "Enrollment"): when care management began and ended; the program
-- and the billing practitioner are already on the patient. Initiating visits are visits whose type names
-- one (E/M, AWV, IPPE), read from the Provider Service Log or entered on the record.
ALTER TABLE patients ADD COLUMN enrolled_on {date};
ALTER TABLE patients ADD COLUMN enrollment_ended_on {date}
