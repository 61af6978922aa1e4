-- E-mail delivery state per notification: none (no e-mail wanted), pending, sending (claimed by one
-- server), sent or failed. The claim makes each e-mail go out once however many servers run.
ALTER TABLE notifications ADD COLUMN email_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE notifications ADD COLUMN emailed_at {ts};
-- The e-mail's text is fixed when the notification is made, and holds no patient details.
ALTER TABLE notifications ADD COLUMN email_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN email_body TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_email ON notifications (email_status);

-- Each user may turn e-mail off per kind; without a row, e-mail is on.
CREATE TABLE notification_preferences (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    email BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, kind)
);
