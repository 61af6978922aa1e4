-- A senior review still open when the patient is assigned another way is closed as superseded by that
-- assignment (issue 22): the review page says so and its requester is told.
ALTER TABLE senior_reviews ADD COLUMN superseded_by BIGINT REFERENCES assignments(id);
