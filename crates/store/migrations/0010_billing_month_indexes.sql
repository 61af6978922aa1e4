-- Every monthly figure reads an entry's stamped billing month (patient_month.rs), so the pages each
-- coordinator opens all day find a patient's or a coordinator's month by it, from the index alone:
-- the panel, the record and the needs-time list by patient, the header by coordinator.
CREATE INDEX task_log_patient_month ON coordinator_task_log (patient_id, billing_year, billing_month, task_type_id, minutes);
CREATE INDEX task_log_coordinator_month ON coordinator_task_log (coordinator_id, billing_year, billing_month, patient_id, minutes);
