//! `hearth-store`: a look inside a device's database, from the command line.
//!
//! - `hearth-store demo [DB] [--lang zh-CN|en]` — makes DB a demo tablet (100,000 households
//!   of the demo city) if it is new, then searches it and signs, saves and verifies a
//!   temperature check, printing each step;
//! - `hearth-store search DB QUERY…` — the technician's household search;
//! - `hearth-store verify DB` — checks every signed report against its hashes.
//!
//! `make run` runs `demo` on `data/device.sqlite`.

use std::process::ExitCode;
use std::time::Instant;

use hearth_core::model::{ReportBody, SignedReport};
use hearth_core::rules::{CityProfile, compliance};
use hearth_core::store::{Store, reports};
use hearth_core::{Locale, demo};

const DEFAULT_DB: &str = "data/device.sqlite";
const DEMO_HOUSEHOLDS: usize = 100_000;

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut locale = Locale::ZhCn;
    if let Some(i) = args.iter().position(|a| a == "--lang") {
        match args.get(i + 1).map(|l| l.parse()) {
            Some(Ok(l)) => locale = l,
            _ => return usage("--lang takes zh-CN or en"),
        }
        args.drain(i..i + 2);
    }
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo_tablet(args.get(1).map_or(DEFAULT_DB, String::as_str), locale),
        Some("search") if args.len() >= 3 => search(&args[1], &args[2..].join(" "), locale),
        Some("verify") if args.len() == 2 => verify(&args[1], locale),
        _ => return usage("unknown command"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth-store: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(why: &str) -> ExitCode {
    eprintln!(
        "hearth-store: {why}\nusage: hearth-store demo [DB] [--lang zh-CN|en]\n       hearth-store search DB QUERY...\n       hearth-store verify DB"
    );
    ExitCode::from(2)
}

fn demo_tablet(path: &str, l: Locale) -> CliResult {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut store = Store::open(path)?;
    let count = hearth_core::store::households::count(store.conn())?;
    println!("{} {path}", l.pick("设备数据库：", "Device database:"));
    if count == 0 {
        let started = Instant::now();
        let households: Vec<_> = demo::households(2026, DEMO_HOUSEHOLDS).collect();
        store.put_households(&households)?;
        println!(
            "{}",
            l.pick(
                format!(
                    "已载入演示城市的 {DEMO_HOUSEHOLDS} 户热用户（{:.1} 秒）",
                    started.elapsed().as_secs_f64()
                ),
                format!(
                    "Loaded {DEMO_HOUSEHOLDS} households of the demo city ({:.1} s)",
                    started.elapsed().as_secs_f64()
                )
            )
        );
    } else {
        println!(
            "{}",
            l.pick(format!("已有 {count} 户热用户"), format!("{count} households already on the device"))
        );
    }

    let first = demo::households(2026, 1).next().ok_or("no demo household")?;
    let two_char_name = demo::households(2026, 200).find(|h| h.owner_name.chars().count() == 2);
    println!("\n{}", l.pick("== 热用户搜索（离线）==", "== Household search (offline) =="));
    let mut queries =
        vec!["友谊路 锦绣公寓".to_owned(), first.account_no.clone(), first.phone[7..].to_owned()];
    queries.extend(two_char_name.map(|h| h.owner_name));
    for q in &queries {
        print_search(&store, q, 3, l)?;
    }

    println!("\n{}", l.pick("== 入户测温：签字并保存 ==", "== Temperature check: signed and saved =="));
    let now = chrono::Utc::now();
    let signed = demo::signed_temperature_check(&first, store.device_id(), now)?;
    store.save_signed_report(&signed)?;
    print_report(&signed, l);
    let stored = store.report(signed.report().id)?.ok_or("the saved report is missing")?;
    println!(
        "{} {}",
        l.pick("重新读取并校验哈希：", "Read back and checked against its hashes:"),
        if stored == signed { l.pick("一致", "matches") } else { l.pick("不一致！", "DIFFERENT!") }
    );
    println!("{} {}", l.pick("待同步记录：", "Records waiting to sync:"), store.outbox_len()?);
    Ok(())
}

fn print_search(store: &Store, query: &str, limit: usize, l: Locale) -> CliResult {
    let started = Instant::now();
    let hits = store.search_households(query, 50)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        l.pick(
            format!("搜索「{query}」：{} 条，{ms:.1} 毫秒", hits.len()),
            format!("Search \"{query}\": {} hits in {ms:.1} ms", hits.len())
        )
    );
    for h in hits.iter().take(limit) {
        println!(
            "  {}  {}  {}  {}  {:.2} m²",
            h.account_no, h.owner_name, h.phone, h.address, h.billed_area_m2
        );
    }
    Ok(())
}

fn print_report(signed: &SignedReport, l: Locale) {
    let r = signed.report();
    if let ReportBody::TemperatureCheck(check) = &r.body {
        for reading in &check.readings {
            println!("  {} ({}) {:.1} °C", reading.room_name, reading.room_type, reading.celsius);
        }
        let verdict = match compliance::assess(check, &CityProfile::default()) {
            compliance::Compliance::Compliant { lowest_c } => l.pick(
                format!("达标（最低 {lowest_c:.1} °C）"),
                format!("compliant (lowest {lowest_c:.1} °C)"),
            ),
            compliance::Compliance::NonCompliant { lowest_c, .. } => l.pick(
                format!("不达标（最低 {lowest_c:.1} °C）"),
                format!("non-compliant (lowest {lowest_c:.1} °C)"),
            ),
            other => format!("{other:?}"),
        };
        println!("{} {verdict}", l.pick("判定：", "Verdict:"));
    }
    for s in signed.signatures() {
        println!(
            "{} {} ({}, {} strokes)",
            l.pick("签字：", "Signed by:"),
            s.signer_name,
            s.role,
            s.strokes.len()
        );
    }
    println!("{} {}", l.pick("内容哈希：", "Content hash:"), signed.content_hash());
    println!("{} {}", l.pick("记录哈希：", "Record hash: "), signed.record_hash());
}

fn search(path: &str, query: &str, l: Locale) -> CliResult {
    let store = Store::open(path)?;
    print_search(&store, query, 50, l)
}

fn verify(path: &str, l: Locale) -> CliResult {
    let store = Store::open(path)?;
    let ids = reports::ids(store.conn())?;
    let mut broken = 0;
    for id in &ids {
        if let Err(e) = store.report(*id) {
            broken += 1;
            println!("{id}: {e}");
        }
    }
    println!(
        "{}",
        l.pick(
            format!("{} 份已签字记录，{} 份与哈希一致，{broken} 份不一致", ids.len(), ids.len() - broken),
            format!(
                "{} signed reports, {} match their hashes, {broken} do not",
                ids.len(),
                ids.len() - broken
            )
        )
    );
    if broken > 0 { Err(l.pick("发现被改动的记录", "tampered records found").into()) } else { Ok(()) }
}
