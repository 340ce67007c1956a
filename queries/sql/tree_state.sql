-- The primary repo's layout files, declared maintainers, governance and
-- license files reconstructed from the tree of the commit that was the head
-- at each probe's end (`primary_tree` of the probes.sql prelude), for probes
-- with no snapshot by then.
--
-- For the license, the reference is the head at the first snapshot, whose
-- license GitHub recognised: its license files are those of the newest
-- state, and its license that snapshot's.
SELECT t.k, t.commit_oid, t.committed_at, t.layout_files, t.license_files,
       t.codeowners_users, t.codeowners_teams, t.codeowners_emails,
       t.maintainers_users, t.readme_governance, t.observed_at, t.source,
       r.license_files AS reference_files, f.license_spdx AS reference_license,
       f.observed_at AS reference_at
FROM primary_tree t
JOIN tree_backfill b ON b.node_id = t.node_id
JOIN (SELECT node_id, arg_max(license_files, committed_at) AS license_files
      FROM tree_states GROUP BY node_id) r ON r.node_id = t.node_id
LEFT JOIN (SELECT node_id, head_oid, license_spdx, observed_at
           FROM repo_snapshots
           QUALIFY row_number() OVER (PARTITION BY node_id, head_oid ORDER BY observed_at) = 1) f
       ON f.node_id = b.node_id AND f.head_oid = b.reference_oid
ORDER BY t.k
