//! Writes the fuzz targets' seed inputs into `fuzz/seeds/<target>/`: real records made by
//! the demo city's helpers (`hearth_core::demo`), the ones the tests use. Run once from
//! `fuzz/` with `cargo +nightly run --example make_seeds`; the seeds are checked in.

use std::path::Path;

use hearth_core::demo;
use hearth_core::model::{
    PointsSpelling, Refusal, ReportBody, SignedReport, SignerRole, Stroke, StrokePoint,
};
use hearth_core::protocol::{Outgoing, PushEntry, PushRequest, WorkOrderEdit, WorkOrderFields};
use hearth_core::rules::signing::{amend, content_hash, seal};
use hearth_core::rules::{CityProfile, ValidationContext};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("seeds").join(target);
    std::fs::create_dir_all(&dir).expect("seed folder");
    std::fs::write(dir.join(name), bytes).expect("seed file");
}

fn main() {
    let now = demo::now();
    let household = demo::households(11, 1).next().expect("a household");
    let author = hearth_core::new_id();

    // Every kind of signed report, a correction, a refusal, and one with flat strokes.
    let mut records: Vec<SignedReport> = Vec::new();
    let bodies = [
        ReportBody::TemperatureCheck(demo::temperature_check(now)),
        ReportBody::RepairVisit(demo::repair_visit(now)),
        ReportBody::AreaRemeasurement(demo::area_remeasurement(now, household.billed_area_m2)),
        ReportBody::Inspection(demo::inspection()),
    ];
    for body in bodies {
        let mut report = demo::report(body, household.id, author, now);
        report.attachments.push(demo::photo(b"\xFF\xD8 a photo"));
        records.push(demo::sign(report, &household.owner_name, now).expect("signed"));
    }
    let correction = amend(&records[0], "误读温度计", now);
    records.push(demo::sign(correction, &household.owner_name, now).expect("signed"));
    let profile = CityProfile::default();
    let ctx = ValidationContext { profile: &profile, now };
    let report =
        demo::report(ReportBody::TemperatureCheck(demo::temperature_check(now)), household.id, author, now);
    let hash = content_hash(&report);
    let mut flat = demo::signature(&household.owner_name, SignerRole::Customer, &hash, now);
    flat.strokes = flat.strokes.iter().map(|s| s.spelled(PointsSpelling::Flat)).collect();
    records.push(seal(report.clone(), vec![flat], None, &ctx).expect("signed with flat strokes"));
    let refusal = Refusal { reason: "用户拒签".into(), witness_name: "王\"见证\"人".into() };
    let witness = demo::signature("王\"见证\"人", SignerRole::Witness, &hash, now);
    if let Ok(refused) = seal(report, vec![witness], Some(refusal), &ctx) {
        records.push(refused);
    }

    // push_body: one batch with every record and a work order edit, and one report alone.
    let hlc = serde_json::from_value(serde_json::json!("0000018c2f6a1b00-00000000-00000000000000a1"))
        .expect("an HLC stamp");
    let entry = |change| PushEntry { id: hearth_core::new_id(), hlc, change };
    let mut entries: Vec<_> = records.iter().map(|r| entry(Outgoing::Report(Box::new(r.clone())))).collect();
    let order = demo::work_order(now);
    entries.push(entry(Outgoing::WorkOrderEdit(WorkOrderEdit {
        work_order_id: order.id,
        fields: WorkOrderFields { status_note: Some("已到达".into()), ..WorkOrderFields::default() },
    })));
    let one = PushRequest { entries: entries[..1].to_vec() };
    write("push_body", "one_report.json", &serde_json::to_vec(&one).expect("json"));
    let batch = PushRequest { entries };
    write("push_body", "every_kind.json", &serde_json::to_vec(&batch).expect("json"));

    // canonical_json: each kind of record as JSON.
    for (i, record) in records.iter().enumerate() {
        write("canonical_json", &format!("signed_{i}.json"), &serde_json::to_vec(record).expect("json"));
    }
    write("canonical_json", "household.json", &serde_json::to_vec(&household).expect("json"));
    write("canonical_json", "work_order.json", &serde_json::to_vec(&order).expect("json"));
    write("canonical_json", "station.json", &serde_json::to_vec(&demo::stations()[0]).expect("json"));

    // stroke_points: the packed text of real strokes, and points as 12-byte records.
    for (i, stroke) in records[0].signatures()[0].strokes.iter().take(3).enumerate() {
        let json = serde_json::to_value(stroke).expect("json");
        let packed = json["points"].as_str().expect("packed").to_owned();
        write("stroke_points", &format!("packed_{i}.txt"), packed.as_bytes());
    }
    let extreme = [
        StrokePoint::from_canvas(12.34, 56.78, 0.0),
        StrokePoint::from_canvas(13.0, -1.25, 16.4),
        StrokePoint { x: i32::MAX, y: i32::MIN, t_ms: u32::MAX },
    ];
    let bytes: Vec<u8> = extreme
        .iter()
        .flat_map(|p| [p.x.to_le_bytes(), p.y.to_le_bytes(), p.t_ms.to_le_bytes()].concat())
        .collect();
    write("stroke_points", "points_extreme.bin", &bytes);
    let packed = serde_json::to_value(Stroke::new(&extreme)).expect("json");
    write("stroke_points", "packed_extreme.txt", packed["points"].as_str().expect("packed").as_bytes());

    // household_csv: the office's export, as the import's tests write it.
    let csv = "\u{feff}户号,地址,户主,电话,收费面积,供热站\n\
               3000001,和平区友谊路1号,王伟,13800000000,88.5,和平供热站\n\
               3000002,\"河西区黄河道2号, 3门\",李四,13800000001,70,河西供热站\n";
    write("household_csv", "export.csv", csv.as_bytes());
    let bad = "户号,地址,户主,电话,收费面积,供热站\n\
               1000002,,李四,13800000001,70,和平供热站\n\
               1000003,河西区黄河道2号,张三,13800000002,abc,河西供热站\n\
               1000004,河西区黄河道3号,赵六,13800000003,60,月球供热站\n";
    write("household_csv", "bad_rows.csv", bad.as_bytes());
}
