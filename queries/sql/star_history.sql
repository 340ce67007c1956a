-- Stars of each probe's primary repo reconstructed from GitHub's `starredAt`
-- (see `star_counts` in probes.sql), for as-of instants before its first
-- snapshot; the rule reads them only when there is no snapshot by then.
SELECT k, anchor_stars, anchored_at, covered_from, done, capped, max_pages, since,
       source, day_end, stars
FROM star_counts
ORDER BY k
