-- The people behind `contributors`, with how many counted commits each took
-- part in, the name on their latest one, and their first and last of them in
-- the window.
SELECT k, identity, name, commits, first_commit, last_commit
FROM people
ORDER BY k, commits DESC, identity
