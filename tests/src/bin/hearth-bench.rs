//! `make bench`: runs Hearth's benchmarks and prints one JSON line per workload.
//!
//! Usage: `hearth-bench [WORKLOAD...]` — no argument runs them all. Files go to a fresh
//! folder under `HEARTH_BENCH_DIR` (default `target/bench`), on the project's own disk.

use hearth_tests::bench;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    let root = std::env::var("HEARTH_BENCH_DIR").unwrap_or_else(|_| "target/bench".to_owned());
    std::fs::create_dir_all(&root)?;
    let dir = tempfile::tempdir_in(&root)?;

    println!("{}", bench::machine());
    let mut lines = Vec::new();
    if runs("save_signed_report") || runs("baseline_sqlite_insert") {
        lines.extend(bench::store::save_signed_report(dir.path(), 10_000)?);
    }
    if runs("search_households") {
        lines.extend(bench::store::search_households(dir.path(), 100_000, 1_000)?);
    }
    for line in lines {
        println!("{line}");
    }
    Ok(())
}
