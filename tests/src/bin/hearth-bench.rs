//! `make bench`: runs Hearth's benchmarks and prints one JSON line per workload.
//!
//! Usage: `hearth-bench [WORKLOAD...]` — no argument runs them all. Files go to a fresh
//! folder under `HEARTH_BENCH_DIR` (default `target/bench`), on the project's own disk.
//! `W2_pull_100k` runs in a child process of its own, so that its peak RSS is the pull's.

use std::process::Command;

use hearth_tests::bench;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = std::env::var("HEARTH_BENCH_DIR").unwrap_or_else(|_| "target/bench".to_owned());
    std::fs::create_dir_all(&root)?;
    let dir = tempfile::tempdir_in(&root)?;

    if let [flag, workload] = &args[..]
        && flag == "--child"
        && workload == "W2_pull_100k"
    {
        println!("{}", bench::sync::first_pull(dir.path())?);
        return Ok(());
    }
    let runs = |name: &str| args.is_empty() || args.iter().any(|w| w == name);

    println!("{}", bench::machine());
    if runs("save_signed_report") || runs("baseline_sqlite_insert") {
        print(bench::store::save_signed_report(dir.path(), 10_000)?);
    }
    if runs("verify_signed_report") {
        print(bench::store::verify_signed_report(10_000)?);
    }
    if runs("search_households") {
        print(bench::store::search_households(dir.path(), 100_000, 1_000)?);
    }
    if runs("W1_push_10k") || runs("W3_push_1k_edits") {
        print(bench::sync::push_reports_then_edits(dir.path())?);
    }
    if runs("W2_pull_100k") {
        let out = Command::new(std::env::current_exe()?).args(["--child", "W2_pull_100k"]).output()?;
        if !out.status.success() {
            return Err(format!("W2 failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    if runs("W2_pull_station_3g") || runs("W1_push_1k_3g") {
        print(bench::network::station_over_3g(dir.path())?);
    }
    if runs("assign_to_tablet_ms") {
        println!("{}", bench::network::assign_to_tablet(dir.path())?);
    }
    if runs("idle_tablets_500") {
        println!("{}", bench::network::idle_tablets(dir.path(), 500)?);
    }
    if runs("photo_upload_flaky") {
        println!("{}", bench::network::photo_upload_flaky(dir.path())?);
    }
    if runs("photo_resize_12mp") {
        println!("{}", bench::photo::resize_12mp(5)?);
    }
    if runs("app_cold_start") || runs("app_search_keystroke") {
        print(bench::app::app(dir.path(), 100_000, 5, 200)?);
    }
    if runs("W4_20_devices") {
        println!("{}", bench::sync::twenty_devices(dir.path())?);
    }
    if runs("W5_200_devices") || runs("W5_50_devices") {
        print(bench::load::devices(dir.path())?);
    }
    if runs("kpi_1m") {
        println!("{}", bench::console::kpi_1m(dir.path(), 1_000_000)?);
    }
    if runs("board_10k") {
        println!("{}", bench::console::board_10k(dir.path(), 10_000)?);
    }
    Ok(())
}

fn print(lines: Vec<String>) {
    for line in lines {
        println!("{line}");
    }
}
