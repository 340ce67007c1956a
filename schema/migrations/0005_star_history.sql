-- 0005: star counts before the first snapshot, reconstructed from GitHub's
-- `starredAt`.
--
-- GitHub lists a repository's current stargazers with the time each of them
-- starred. Once per repository the collector reads that list newest first,
-- 100 a page, until it reaches `[collect] backfill_days` before the
-- repository's first collection, or its first star, or `[collect]
-- star_history_max_points` pages (a page costs at most one point). Each page
-- is stored as per-day counts together with the progress it makes, in one
-- transaction, so an interrupted backfill resumes from its cursor and no page
-- is read twice.
--
-- The stars as of a day D before the first snapshot are `anchor_stars` (the
-- count when the first page was read) minus the stars of the days after D:
-- how many of the anchor's stargazers had starred by the end of D. That is a
-- lower bound (people who starred and later unstarred are not listed), and it
-- is known when every star after D was read: D ends at or after
-- `covered_from`. After the first snapshot, snapshots answer as before.
-- (The `stargazers` table of 0001, a row per login, stays empty: per-day
-- counts answer the same question in far fewer rows.)

-- Stars per UTC day of `starredAt`, as read. A day whose stars span two pages
-- has a row per page; readers sum over pages.
CREATE TABLE star_days (
    node_id      VARCHAR NOT NULL,
    page         INTEGER NOT NULL,         -- 1 for the newest page
    day          DATE NOT NULL,
    stars        INTEGER NOT NULL,
    observed_at  TIMESTAMP NOT NULL,
    run_id       BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, page, day)
);

-- How far each repository's star list has been read: the collector's memory
-- (like `history_progress`), updated in place; the counts it points at
-- (`star_days`) stay append-only. Evaluation reads the anchor and
-- `covered_from`.
CREATE TABLE star_backfill (
    node_id        VARCHAR PRIMARY KEY,
    anchor_stars   INTEGER NOT NULL,       -- totalCount of the first page
    anchored_at    TIMESTAMP NOT NULL,     -- when the first page was read
    since          TIMESTAMP NOT NULL,     -- the walk stops once it reads a star this old
    max_pages      INTEGER NOT NULL,       -- `star_history_max_points` when it started
    cursor         VARCHAR,                -- endCursor of the last stored page
    pages          INTEGER NOT NULL,
    stars_read     INTEGER NOT NULL,
    covered_from   TIMESTAMP NOT NULL,     -- every star after this instant is stored
    done           BOOLEAN NOT NULL,
    capped         BOOLEAN NOT NULL,       -- stopped by `max_pages` before `since`
    source         VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
