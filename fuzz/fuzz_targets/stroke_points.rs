//! Fuzz target: a signature stroke's packed points (`core/src/model/stroke.rs`: base64url of
//! zigzag LEB128 varints, refusing padding, stray bits and over-long varints).
//!
//! Any string as `{"points": "<string>"}`: reading never panics, and a string that reads
//! re-packs to exactly itself (each stroke has one packed spelling, which its hashes bind).
//! The same bytes as points (x, y, t_ms little-endian, 12 bytes a point): packed, written
//! and read back, they are the same points.
#![no_main]

use hearth_core::model::{PointsSpelling, Stroke, StrokePoint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        read_packed(text);
    }
    round_trip(&points(bytes));
});

fn read_packed(text: &str) {
    let json = serde_json::json!({ "points": text }).to_string();
    let Ok(stroke) = serde_json::from_str::<Stroke>(&json) else { return };
    assert_eq!(stroke.spelling(), PointsSpelling::Packed);
    let repacked = serde_json::to_string(&Stroke::new(&stroke.points())).expect("a stroke serialises");
    assert_eq!(repacked, json, "a packed stroke that packs differently");
    assert_eq!(serde_json::to_string(&stroke).expect("a stroke serialises"), json);
}

fn points(bytes: &[u8]) -> Vec<StrokePoint> {
    let word = |b: &[u8]| [b[0], b[1], b[2], b[3]];
    bytes
        .chunks_exact(12)
        .map(|p| StrokePoint {
            x: i32::from_le_bytes(word(&p[0..4])),
            y: i32::from_le_bytes(word(&p[4..8])),
            t_ms: u32::from_le_bytes(word(&p[8..12])),
        })
        .collect()
}

fn round_trip(points: &[StrokePoint]) {
    let stroke = Stroke::new(points);
    let json = serde_json::to_string(&stroke).expect("a stroke serialises");
    let read: Stroke =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
    assert_eq!(read.points(), points, "{json}");
    assert_eq!(read.spelled(PointsSpelling::Flat).points(), points);
}
