-- Patients in the order every list shows them (the panel, the API's patient list), so a page of them
-- is read off the index instead of sorting every patient (100,000 at L: 180 ms a page on PostgreSQL).
CREATE INDEX patients_by_name ON patients (last_name, first_name, id);
