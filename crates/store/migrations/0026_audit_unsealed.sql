-- Audit events are sealed into the hash chain just after they commit, not inside their own
-- transaction (issue 22, scale): one lock on the chain's head, held through each commit's flush,
-- queued every audited request on every server. Each event carelog writes is marked here in its own
-- transaction; the sealer takes the marks in turns and removes them as it links the events. An
-- event with neither a link nor a mark was written behind carelog's back.
CREATE TABLE audit_unsealed (
    event_id BIGINT PRIMARY KEY
);
