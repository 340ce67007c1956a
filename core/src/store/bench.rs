//! History shapes for the query-side benchmark (`examples/bench.rs`) that the
//! collector never writes.

use super::{DbContext, Result, Store};

impl Store {
    /// Benchmark support, never used by the product: copies every repository
    /// snapshot back one day at a time for `days - 1` days, the stars drifting
    /// down into the past, so the history has one snapshot per repo per day.
    ///
    /// The table is then rewritten in time order, as the daemon leaves it
    /// after years of passes (each pass appends its snapshots after the
    /// previous one's): row groups then cover short spans of time, and a scan
    /// bounded in time skips the others as it does on a real history.
    #[doc(hidden)]
    pub fn densify_snapshots_for_bench(&self, days: u32) -> Result<()> {
        self.conn()
            .execute_batch(&format!(
                "CREATE TEMP TABLE bench_snapshots AS
                 SELECT * FROM repo_snapshots
                 UNION ALL
                 SELECT s.* REPLACE (s.observed_at - to_days(d.i::INTEGER) AS observed_at,
                                     greatest(0, s.stars - d.i // 3) AS stars)
                 FROM repo_snapshots s, range(1, {days}) d(i);
                 DELETE FROM repo_snapshots;
                 CHECKPOINT;
                 INSERT INTO repo_snapshots SELECT * FROM bench_snapshots ORDER BY observed_at;
                 DROP TABLE bench_snapshots;
                 CHECKPOINT;"
            ))
            .ctx(|| "densify repo snapshots".into())
    }
}
