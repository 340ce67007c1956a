-- 0007: the metadata of past releases, so `packages` and `pytorch_support`
-- can be answered before a package's first snapshot.
--
-- PyPI's project JSON (`/pypi/<name>/json`) carries `requires_dist` and the
-- project links of the latest release only; the per-version JSON
-- (`/pypi/<name>/<version>/json`) carries them for that version. A release's
-- metadata never changes once uploaded, so it is read once per release: for
-- the latest release on every package snapshot (from the project JSON, no
-- extra call), and, once, for every release that was the latest at some
-- instant of the backfill (`[collect] backfill_days` before the package's
-- first collection). As of an instant T before the first package snapshot,
-- the latest release at T (from upload times, `releases`) is judged with its
-- row here.
--
-- `requires_torch` false means the release declares no torch dependency;
-- otherwise `torch_specifier` holds the `requires_dist` entries naming torch,
-- verbatim with their markers, one per line (as `package_requirements` does
-- since entries are kept whole). `repo_links` are the GitHub `owner/name`
-- its metadata links to.

CREATE TABLE release_requirements (
    ecosystem        VARCHAR NOT NULL,        -- 'pypi'
    package          VARCHAR NOT NULL,        -- normalised PyPI name
    version          VARCHAR NOT NULL,
    requires_torch   BOOLEAN NOT NULL,
    torch_specifier  VARCHAR,
    repo_links       VARCHAR[],
    observed_at      TIMESTAMP NOT NULL,
    run_id           BIGINT NOT NULL,
    source           VARCHAR NOT NULL,
    PRIMARY KEY (ecosystem, package, version)
);
