-- One change counter per group of team figures (team_revisions.rs): caseloads, the roster, and what
-- the team did. A change moves only the counter of the figures it feeds; migration 8's single
-- counter and its triggers are dropped in the engine-specific statements that follow.
CREATE TABLE team_scope_revisions (
    scope INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    revision BIGINT NOT NULL,
    PRIMARY KEY (scope, shard)
);
