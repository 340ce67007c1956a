-- `ci` per probe: the runs in the window (see `window_ci` in probes.sql), those
-- with a verdict (completed, not cancelled or skipped) and those that passed.
SELECT k,
       count(*) AS runs,
       count(*) FILTER (WHERE status = 'completed'
                          AND coalesce(conclusion, '') NOT IN ('cancelled', 'skipped')) AS judged,
       count(*) FILTER (WHERE status = 'completed'
                          AND conclusion IN ('success', 'neutral')) AS green
FROM window_ci
GROUP BY k
ORDER BY k
