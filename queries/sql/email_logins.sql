-- The GitHub login behind each e-mail address the primary repo's CODEOWNERS
-- declares (its latest snapshot at or before each probe's end), so that
-- `maintainers` counts a person declared as `@alice` and as
-- `alice@example.org` once. GitHub links a commit author to a user by the
-- commit's e-mail, so a stored author row with that e-mail and a login is the
-- link. Every stored repository's commits count (a person's address is the same
-- in every repo), but only commits first observed by the probe's end, so a
-- past answer does not change after later collection. An address seen with
-- several logins belongs to the one of its latest commit. Starts with the
-- probes.sql prelude; one row per (probe, linked e-mail).
SELECT d.k, d.email, arg_max(lower(a.login), c.committed_at) AS login
FROM (SELECT DISTINCT s.k, p.end_at, lower(e.email) AS email
      FROM primary_snapshot s
      JOIN probes p ON p.k = s.k AND p.is_primary
      CROSS JOIN unnest(s.codeowners_emails) AS e(email)) d
JOIN commit_authors a ON lower(a.email) = d.email AND coalesce(a.login, '') <> ''
JOIN commits c ON c.node_id = a.node_id AND c.sha = a.sha AND c.observed_at <= d.end_at
GROUP BY d.k, d.email
ORDER BY d.k, d.email
