-- The demo practice loads over many transactions; this row says one is under way (finished_at empty),
-- so other servers wait for it and a load whose server stopped part way is refused, not served.
CREATE TABLE practice_load (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    started_at {ts} NOT NULL,
    heartbeat_at {ts} NOT NULL,
    finished_at {ts},
    -- Who loads it: HOST/PID, so a server on the same host can tell a loader that is gone at once.
    loader TEXT NOT NULL DEFAULT ''
);

-- The health check's write probe: a row per server, written and emptied, to learn whether the
-- database can store anything now.
CREATE TABLE health_probes (
    node TEXT PRIMARY KEY,
    probed_at {ts} NOT NULL,
    payload TEXT NOT NULL
);
