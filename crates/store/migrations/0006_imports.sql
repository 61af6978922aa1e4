-- A file checked in a dry run, kept until applied (at most a day), so any server can apply it.
CREATE TABLE import_uploads (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_hex TEXT NOT NULL,
    created_at {ts} NOT NULL
);
