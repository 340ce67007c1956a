-- Every torch release the history knows, oldest first; a release PyPI did not
-- date counts from when it was observed.
SELECT version, coalesce(released_at, observed_at)
FROM torch_releases
ORDER BY 2, 1
