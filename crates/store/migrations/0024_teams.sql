-- Who manages whom (issue 22): a caseload holder's manager, set by an admin. A manager's team is the
-- people they manage and themselves; a manager who manages nobody sees the whole practice, as before.
ALTER TABLE coordinator_profiles ADD COLUMN manager_id BIGINT REFERENCES users(id);
CREATE INDEX coordinator_profiles_manager ON coordinator_profiles (manager_id);
