-- The CI runs behind `ci` (see `window_ci` in probes.sql), oldest first.
SELECT k, provider, name, head_sha, branch, event, status, conclusion,
       created_at, url, observed_at, source
FROM window_ci
ORDER BY k, created_at, run_key
