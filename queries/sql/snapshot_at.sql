-- The primary repo's latest snapshot at or before the as-of instant: license,
-- layout files, declared maintainers and governance. No row: never observed.
-- Parameters: $1 node id, $2 as-of instant.
SELECT license_spdx, layout_files, codeowners_path, codeowners_users, codeowners_teams,
       maintainers_path, maintainers_users, governance_path, readme_governance,
       observed_at, source
FROM repo_snapshots
WHERE node_id = $1 AND observed_at <= $2
ORDER BY observed_at DESC
LIMIT 1
