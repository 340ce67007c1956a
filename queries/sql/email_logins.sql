-- The GitHub login behind each e-mail address the primary repo's CODEOWNERS
-- declares as of each probe's end (its latest snapshot at or before it, or,
-- before the first snapshot, the tree of the head then: `primary_tree`),
-- so that `maintainers` counts a person declared as `@alice` and as
-- `alice@example.org` once. GitHub links a commit author to a user by the
-- commit's e-mail, so a stored author row with that e-mail and a login is the
-- link. Every stored repository's commits count (a person's address is the same
-- in every repo), but only commits made by the probe's end: the link is as
-- dated as the commit that shows it. An address seen with several logins
-- belongs to the one of its latest commit. Starts with the probes.sql prelude;
-- one row per (probe, linked e-mail).
SELECT d.k, d.email, arg_max(lower(a.login), c.committed_at) AS login
FROM (SELECT DISTINCT x.k, x.end_at, lower(e.email) AS email
      FROM (SELECT s.k, p.end_at, s.codeowners_emails AS emails
            FROM primary_snapshot s
            JOIN probes p ON p.k = s.k AND p.is_primary
            UNION ALL
            SELECT t.k, p.end_at, t.codeowners_emails
            FROM primary_tree t
            JOIN probes p ON p.k = t.k AND p.is_primary) x
      CROSS JOIN unnest(x.emails) AS e(email)) d
JOIN commit_authors a ON lower(a.email) = d.email AND coalesce(a.login, '') <> ''
JOIN commits c ON c.node_id = a.node_id AND c.sha = a.sha AND c.committed_at <= d.end_at
GROUP BY d.k, d.email
ORDER BY d.k, d.email
