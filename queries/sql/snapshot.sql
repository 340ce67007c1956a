-- The primary repo's latest snapshot at or before each probe's end: stars,
-- license, layout files, declared maintainers, governance and the head's CI.
SELECT k, stars, license_spdx, layout_files, codeowners_users, codeowners_teams,
       maintainers_users, readme_governance, ci_head_state, head_oid, default_branch,
       name_with_owner, observed_at, source, codeowners_emails
FROM primary_snapshot
ORDER BY k
