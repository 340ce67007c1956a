-- 0003: how far each repository's commit history has been collected.
--
-- History is walked page by page (100 commits, newest first) from a fixed
-- commit, so a walk that is cut short (a step's time limit, a rate-limit wait,
-- SIGTERM, kill -9) resumes from its stored cursor: each page and the progress
-- it makes are written in one transaction, and no stored page is fetched again.
--
-- Two walks per repository:
--   * the backfill, from the head seen at first sight back to `backfill_since`
--     (first sight minus `[collect] backfill_days`);
--   * the forward walk, from a newer head back to the previous head's committer
--     date minus `[collect] history_overlap`, which brings the history up to
--     the head; when it does not meet the previous head (a force push) it
--     becomes a re-read of the counting window that records removed commits.
--
-- This table is the collector's memory (like `collection_state`), updated in
-- place; the facts it points at (commits) stay append-only. Evaluation reads
-- `covered_from` (stored history is complete from this instant on) and
-- `synced_at` (when history was last brought up to the head).

CREATE TABLE history_progress (
    node_id             VARCHAR PRIMARY KEY,
    head_oid            VARCHAR,               -- newest head whose history is stored
    head_committed_at   TIMESTAMP,
    synced_at           TIMESTAMP,             -- when history last reached `head_oid`
    backfill_oid        VARCHAR NOT NULL,      -- the commit the backfill walks from
    backfill_since      TIMESTAMP NOT NULL,    -- the backfill stops at this committer date
    backfill_cursor     VARCHAR,               -- endCursor of the last stored page
    covered_from        TIMESTAMP,             -- history is complete from here on (NULL: no page yet)
    backfill_done       BOOLEAN NOT NULL,
    forward_oid         VARCHAR,               -- forward walk in progress: from this commit
    forward_committed_at TIMESTAMP,            -- ... whose committer date this is
    forward_since       TIMESTAMP,             -- ... back to this committer date
    forward_cursor      VARCHAR,               -- endCursor of its last stored page
    forward_met         BOOLEAN NOT NULL DEFAULT false,  -- it met `head_oid` (no force push)
    forward_reread      BOOLEAN NOT NULL DEFAULT false,  -- a window re-read after a force push
    pages               BIGINT NOT NULL DEFAULT 0,
    commits             BIGINT NOT NULL DEFAULT 0,
    started_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
