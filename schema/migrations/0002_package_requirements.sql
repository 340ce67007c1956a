-- 0002: the torch requirement of each package's latest release, as observed.
--
-- PyPI's project JSON carries `requires_dist` for the latest release only, so the
-- requirement is recorded beside every package snapshot (same `observed_at`):
-- `pytorch_support` as of T reads the requirement of the latest snapshot at or
-- before T. `requires_torch` false means the release declares no torch
-- dependency (without extras); `torch_specifier` is '' when torch is required
-- without bounds.

CREATE TABLE package_requirements (
    ecosystem        VARCHAR NOT NULL,
    package          VARCHAR NOT NULL,
    observed_at      TIMESTAMP NOT NULL,
    version          VARCHAR NOT NULL,         -- the release the requirement belongs to
    requires_torch   BOOLEAN NOT NULL,
    torch_specifier  VARCHAR,                  -- PEP 440 specifier, e.g. '<2.9,>=2.4'
    run_id           BIGINT NOT NULL,
    source           VARCHAR NOT NULL,
    PRIMARY KEY (ecosystem, package, observed_at)
);
