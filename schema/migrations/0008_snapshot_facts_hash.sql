-- 0008: a 64-bit hash of the repository facts the rules read, stored with
-- each snapshot, so that `review` can tell the days a snapshot's facts
-- changed without reading and hashing the list columns of every snapshot of
-- the look-back on each run.
--
-- The hash covers the license, the layout files, CODEOWNERS (users, teams,
-- e-mail addresses), MAINTAINERS, the README's governance link, the head's
-- CI state and the default branch: everything in a snapshot that a rule
-- reads except the star count, whose side of the configured floor is
-- compared separately (the floor is configuration, not history). The writer
-- sets it with the same expression in the transaction that inserts the
-- snapshot (`store::write::FACTS_HASH`); a snapshot without one (NULL) is
-- treated as a change by `review`, which costs time, never a missed day.
-- Two different sets of facts share a hash with a chance of 2^-64.

ALTER TABLE repo_snapshots ADD COLUMN facts_hash UBIGINT;

UPDATE repo_snapshots
SET facts_hash = hash(license_spdx, layout_files, codeowners_users, codeowners_teams,
                      codeowners_emails, maintainers_users, readme_governance,
                      ci_head_state, default_branch);
