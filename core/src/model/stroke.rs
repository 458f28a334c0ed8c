//! A signature's pen strokes and how their points are spelled in a signed record.
//!
//! A stroke's points travel packed: `{"points": "<base64url>"}`, the x, y, t_ms of each point
//! as the difference from the point before (the first from 0), zigzag-mapped and written as
//! minimal LEB128 varints, then base64url without padding. A signature of six strokes of
//! twenty points is ~700 characters packed, against ~1,300 as JSON numbers, and the server
//! reads one string per stroke instead of sixty numbers: reading and hashing signatures was
//! a third of what the server spent on a pushed report.
//!
//! Records signed before the packed spelling carry `"points": [x, y, t_ms, …]` (flat). They
//! are read as they are and written back in the same spelling, because the record's hashes
//! bind its bytes; a tablet that signed in the old spelling and syncs after an update loses
//! nothing. Each spelling has one way of writing a given stroke, so a record's canonical
//! bytes stay unique: the packed decoder refuses padding, stray bits and over-long varints.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// One point of a pen stroke: where the pen was, in tenths of a canvas pixel (CSS pixels, so
/// the same on every screen density), and when, in milliseconds since the stroke began.
/// Integers: a tenth of a pixel is finer than any pen, and integers are written, read and
/// hashed the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrokePoint {
    pub x: i32,
    pub y: i32,
    pub t_ms: u32,
}

impl StrokePoint {
    /// A point from a signature pad's floats (canvas pixels, milliseconds), rounded to the
    /// nearest tenth of a pixel and millisecond; out-of-range values are clamped.
    pub fn from_canvas(x: f64, y: f64, t_ms: f64) -> StrokePoint {
        // `as` from f64 saturates and maps NaN to 0, which is what a clamp should do here.
        StrokePoint { x: (x * 10.0).round() as i32, y: (y * 10.0).round() as i32, t_ms: t_ms.round() as u32 }
    }
}

/// How a stroke's points are spelled in its record (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsSpelling {
    /// One base64url string of varint deltas: what every new signature is written in.
    Packed,
    /// `[x, y, t_ms, …]`, as records signed before the packed spelling carry them.
    Flat,
}

/// One pen-down-to-pen-up stroke, kept in the spelling it was read or drawn in. A packed
/// stroke keeps its text, checked when read: reading, hashing and storing a record never
/// unpacks it; [`Stroke::points`] does, for whoever draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stroke {
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[cfg_attr(feature = "openapi", schema(schema_with = points_schema))]
    points: Points,
}

/// The two spellings a stroke's `points` is read in, for the API description.
#[cfg(feature = "openapi")]
fn points_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let packed = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]*$"))
        .description(Some("x, y, t_ms of each point as differences from the previous point, zigzag LEB128 varints, base64url without padding"));
    let flat = ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::Integer))
        .description(Some("[x, y, t_ms, …]: records signed before the packed spelling"));
    utoipa::openapi::schema::Schema::OneOf(OneOfBuilder::new().item(packed).item(flat).build())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Points {
    Packed(String),
    Flat(Vec<StrokePoint>),
}

impl Stroke {
    /// A newly drawn stroke, in the packed spelling.
    pub fn new(points: &[StrokePoint]) -> Stroke {
        Stroke { points: Points::Packed(pack(points)) }
    }

    /// The same points in `spelling`, as a record signed in it would carry them.
    pub fn spelled(&self, spelling: PointsSpelling) -> Stroke {
        match spelling {
            PointsSpelling::Packed => Stroke::new(&self.points()),
            PointsSpelling::Flat => Stroke { points: Points::Flat(self.points()) },
        }
    }

    pub fn spelling(&self) -> PointsSpelling {
        match self.points {
            Points::Packed(_) => PointsSpelling::Packed,
            Points::Flat(_) => PointsSpelling::Flat,
        }
    }

    /// The points, in the order drawn.
    pub fn points(&self) -> Vec<StrokePoint> {
        match &self.points {
            // Checked when the stroke was made or read.
            Points::Packed(packed) => unpack(packed).unwrap_or_default(),
            Points::Flat(points) => points.clone(),
        }
    }

    /// True for a stroke without points: a touch the pad did not record.
    pub fn is_empty(&self) -> bool {
        match &self.points {
            Points::Packed(packed) => packed.is_empty(),
            Points::Flat(points) => points.is_empty(),
        }
    }
}

impl Serialize for Stroke {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut stroke = serializer.serialize_struct("Stroke", 1)?;
        match &self.points {
            Points::Packed(packed) => stroke.serialize_field("points", packed)?,
            Points::Flat(points) => stroke.serialize_field("points", &Flat(points))?,
        }
        stroke.end()
    }
}

impl<'de> Deserialize<'de> for Stroke {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Arriving {
            points: Points,
        }
        Ok(Stroke { points: Arriving::deserialize(deserializer)?.points })
    }
}

/// Writes the points in the packed spelling.
fn pack(points: &[StrokePoint]) -> String {
    let mut bytes = Vec::with_capacity(points.len() * 5);
    let mut last = (0i64, 0i64, 0i64);
    for p in points {
        let now = (i64::from(p.x), i64::from(p.y), i64::from(p.t_ms));
        for delta in [now.0 - last.0, now.1 - last.1, now.2 - last.2] {
            write_varint(zigzag(delta), &mut bytes);
        }
        last = now;
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads the packed spelling, refusing anything `pack` would not have written.
fn unpack(packed: &str) -> Result<Vec<StrokePoint>, String> {
    let mut points = Vec::with_capacity(packed.len() / 6);
    read_packed(packed, |p| points.push(p))?;
    Ok(points)
}

/// Base64 characters decoded at a time: a multiple of 4, so every piece but the last is
/// whole, and 192 bytes of stack.
const PIECE: usize = 256;

/// Reads packed points one by one without allocating, refusing anything `pack` would not
/// have written: padding, stray bits, over-long varints, a count that is not triples, values
/// out of range.
fn read_packed(packed: &str, mut each: impl FnMut(StrokePoint)) -> Result<(), String> {
    let mut bytes = [0u8; PIECE / 4 * 3];
    let mut varint = Varint::default();
    let mut triple = [0i64; 3];
    let mut filled = 0;
    let mut last = [0i64; 3];
    for piece in packed.as_bytes().chunks(PIECE) {
        let len = URL_SAFE_NO_PAD
            .decode_slice(piece, &mut bytes)
            .map_err(|e| format!("a stroke's packed points are not unpadded base64url: {e}"))?;
        for &byte in &bytes[..len] {
            let Some(value) = varint.push(byte)? else { continue };
            triple[filled] = unzigzag(value);
            filled += 1;
            if filled == 3 {
                filled = 0;
                for (axis, delta) in triple.iter().enumerate() {
                    last[axis] += delta;
                }
                each(point(last[0], last[1], last[2])?);
            }
        }
    }
    if varint.started() {
        return Err("a stroke's packed points end in the middle of a number".into());
    }
    if filled != 0 {
        return Err("a stroke's packed points are x, y, t_ms triples, but a point is incomplete".into());
    }
    Ok(())
}

/// LEB128 longer than this cannot hold a delta between two `i32`s (35 bits ≥ 33 needed).
const MAX_VARINT_BYTES: u32 = 5;

fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A varint read a byte at a time.
#[derive(Default)]
struct Varint {
    value: u64,
    bytes: u32,
}

impl Varint {
    /// Takes the next byte; the number when it was the last of one.
    fn push(&mut self, byte: u8) -> Result<Option<u64>, String> {
        if self.bytes == MAX_VARINT_BYTES {
            return Err("a stroke's packed points hold a number out of range".into());
        }
        self.value |= u64::from(byte & 0x7f) << (7 * self.bytes);
        self.bytes += 1;
        if byte & 0x80 != 0 {
            return Ok(None);
        }
        if byte == 0 && self.bytes > 1 {
            return Err("a stroke's packed points write a number with more bytes than it needs".into());
        }
        let value = self.value;
        *self = Varint::default();
        Ok(Some(value))
    }

    fn started(&self) -> bool {
        self.bytes > 0
    }
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    (value >> 1) as i64 ^ -((value & 1) as i64)
}

/// A point from its three numbers, if each is in range.
fn point(x: i64, y: i64, t_ms: i64) -> Result<StrokePoint, String> {
    let coordinate = |v: i64| i32::try_from(v).map_err(|_| format!("stroke coordinate {v} is out of range"));
    let t_ms = u32::try_from(t_ms).map_err(|_| format!("stroke time {t_ms} ms is out of range"))?;
    Ok(StrokePoint { x: coordinate(x)?, y: coordinate(y)?, t_ms })
}

/// The flat `[x, y, t_ms, …]` spelling, for writing.
struct Flat<'a>(&'a [StrokePoint]);

impl Serialize for Flat<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len() * 3))?;
        for p in self.0 {
            seq.serialize_element(&i64::from(p.x))?;
            seq.serialize_element(&i64::from(p.y))?;
            seq.serialize_element(&i64::from(p.t_ms))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PointsVisitor)
    }
}

/// A stroke's points as they arrive, in either spelling.
struct PointsVisitor;

impl<'de> Visitor<'de> for PointsVisitor {
    type Value = Points;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a stroke's points: a packed base64url string, or an array of x, y, t_ms integers")
    }

    fn visit_str<E: de::Error>(self, packed: &str) -> Result<Points, E> {
        read_packed(packed, |_| ()).map_err(E::custom)?;
        Ok(Points::Packed(packed.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Points, A::Error> {
        let mut numbers = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(n) = seq.next_element::<i64>()? {
            numbers.push(n);
        }
        if numbers.len() % 3 != 0 {
            return Err(de::Error::custom(format!(
                "a stroke's points are x, y, t_ms triples, but {} numbers were given",
                numbers.len()
            )));
        }
        let points = numbers
            .chunks_exact(3)
            .map(|p| point(p[0], p[1], p[2]))
            .collect::<Result<_, _>>()
            .map_err(de::Error::custom)?;
        Ok(Points::Flat(points))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn drawn() -> Stroke {
        Stroke::new(&[
            StrokePoint::from_canvas(12.34, 56.78, 0.0),
            StrokePoint::from_canvas(13.0, -1.25, 16.4),
            StrokePoint { x: i32::MAX, y: i32::MIN, t_ms: u32::MAX },
        ])
    }

    #[test]
    fn a_new_stroke_travels_packed_and_reads_back_the_same() {
        let stroke = Stroke::new(&[
            StrokePoint::from_canvas(12.34, 56.78, 0.0),
            StrokePoint::from_canvas(13.0, -1.25, 16.4),
        ]);
        let json = serde_json::to_string(&stroke).unwrap_or_default();
        // 123, 568, 0 then +7, -581, +16, zigzagged: [246 1] [240 8] [0] [14] [137 9] [32].
        assert_eq!(json, r#"{"points":"9gHwCAAOiQkg"}"#);
        assert_eq!(serde_json::from_str::<Stroke>(&json).ok(), Some(stroke));
        let extreme = drawn();
        let json = serde_json::to_string(&extreme).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Stroke>(&json).ok(), Some(extreme.clone()));
        assert_eq!(extreme.points()[2], StrokePoint { x: i32::MAX, y: i32::MIN, t_ms: u32::MAX });
    }

    #[test]
    fn a_stroke_signed_in_the_flat_spelling_is_written_back_as_it_came() {
        let json = r#"{"points":[123,568,0,130,-13,16]}"#;
        let stroke = serde_json::from_str::<Stroke>(json).unwrap();
        assert_eq!(stroke.spelling(), PointsSpelling::Flat);
        assert_eq!(stroke.points()[1], StrokePoint { x: 130, y: -13, t_ms: 16 });
        assert_eq!(stroke.spelled(PointsSpelling::Packed).points(), stroke.points());
        assert_eq!(serde_json::to_string(&stroke).unwrap_or_default(), json);
    }

    #[test]
    fn packed_points_that_pack_would_not_write_are_refused_in_words() {
        let refused = |packed: &str| {
            serde_json::from_str::<Stroke>(&format!(r#"{{"points":"{packed}"}}"#)).unwrap_err().to_string()
        };
        // Padding, a character outside base64url, and stray bits in the last character.
        assert!(refused("9gHwCAAOiQkg==").contains("base64url"), "{}", refused("9gHwCAAOiQkg=="));
        assert!(refused("9gHw+AAOiQkg").contains("base64url"));
        assert!(refused("AAAAAB").contains("base64url"), "{}", refused("AAAAAB"));
        // 0x80 0x00: zero written in two bytes.
        let long = URL_SAFE_NO_PAD.encode([0x80, 0x00, 0, 0]);
        assert!(refused(&long).contains("more bytes than it needs"), "{}", refused(&long));
        let cut = URL_SAFE_NO_PAD.encode([0, 0, 0x80]);
        assert!(refused(&cut).contains("middle of a number"), "{}", refused(&cut));
        let huge = URL_SAFE_NO_PAD.encode([0xff; 6]);
        assert!(refused(&huge).contains("out of range"), "{}", refused(&huge));
        let pair = URL_SAFE_NO_PAD.encode([2, 2]);
        assert!(refused(&pair).contains("triples"), "{}", refused(&pair));
        // A long stroke crosses the decoder's pieces; a fault in a later piece is found.
        let long = pack(&vec![StrokePoint { x: 1000, y: 1000, t_ms: 16 }; 300]);
        assert!(long.len() > 3 * PIECE);
        assert!(serde_json::from_str::<Stroke>(&format!(r#"{{"points":"{long}"}}"#)).is_ok());
        assert!(refused(&format!("{long}=")).contains("base64url"));
        // Time before the stroke began.
        let back = URL_SAFE_NO_PAD.encode([0, 0, 1]);
        assert!(refused(&back).contains("out of range"), "{}", refused(&back));
    }

    #[test]
    fn flat_points_with_a_missing_number_or_an_impossible_one_are_refused_in_words() {
        let short = serde_json::from_str::<Stroke>(r#"{"points":[1,2,3,4]}"#).unwrap_err().to_string();
        assert!(short.contains("triples"), "{short}");
        let far = serde_json::from_str::<Stroke>(r#"{"points":[1,99999999999,3]}"#).unwrap_err().to_string();
        assert!(far.contains("out of range"), "{far}");
        let back = serde_json::from_str::<Stroke>(r#"{"points":[1,2,-3]}"#).unwrap_err().to_string();
        assert!(back.contains("out of range"), "{back}");
        assert!(serde_json::from_str::<Stroke>(r#"{"points":[1.5,2,3]}"#).is_err());
        assert!(serde_json::from_str::<Stroke>(r#"{"points":7}"#).is_err());
        assert!(serde_json::from_str::<Stroke>(r#"{"points":"","pen":1}"#).is_err());
    }

    proptest! {
        /// Any stroke reads back exactly, and its packed text is the only one that reads as
        /// it: unpack accepts nothing pack would write differently.
        #[test]
        fn every_stroke_packs_and_unpacks_to_itself(
            raw in proptest::collection::vec((any::<i32>(), any::<i32>(), any::<u32>()), 0..40)
        ) {
            let points: Vec<_> = raw.into_iter().map(|(x, y, t_ms)| StrokePoint { x, y, t_ms }).collect();
            let packed = pack(&points);
            prop_assert_eq!(unpack(&packed), Ok(points.clone()));
            prop_assert_eq!(pack(&unpack(&packed).unwrap_or_default()), packed);
        }

        #[test]
        fn no_string_unpacks_to_a_stroke_that_packs_differently(text in "[A-Za-z0-9_-]{0,24}") {
            if let Ok(points) = unpack(&text) {
                prop_assert_eq!(pack(&points), text);
            }
        }
    }
}
