//! History shapes for the query-side benchmark (`examples/bench.rs`) that the
//! collector never writes.

use super::{DbContext, Result, Store};

impl Store {
    /// Benchmark support, never used by the product: copies every repository
    /// snapshot back one day at a time for `days - 1` days, the stars drifting
    /// down into the past, so the history has one snapshot per repo per day.
    #[doc(hidden)]
    pub fn densify_snapshots_for_bench(&self, days: u32) -> Result<()> {
        self.conn()
            .execute_batch(&format!(
                "INSERT INTO repo_snapshots
                 SELECT s.* REPLACE (s.observed_at - to_days(d.i::INTEGER) AS observed_at,
                                     greatest(0, s.stars - d.i // 3) AS stars)
                 FROM repo_snapshots s, range(1, {days}) d(i)"
            ))
            .ctx(|| "densify repo snapshots".into())
    }
}
