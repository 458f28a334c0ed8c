//! The EXIF a stored photo keeps: when it was taken (`DateTimeOriginal`, its offset from UTC
//! and its subseconds) and where (every GPS tag: position, altitude, the satellites' time,
//! the direction the camera faced). Evidence needs when and where; the rest of a camera's
//! EXIF is personal (body and lens serial numbers, the owner's name, maker notes that hold
//! more of both) or useless once the photo is re-encoded (a thumbnail of the old pixels,
//! the old orientation, sizes and offsets).
//!
//! Read with kamadak-exif, written back with its (experimental, tested here) writer as the
//! TIFF structure a JPEG's APP1 segment carries.

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Context, Field, In, Tag, Value};

/// What a photo's EXIF keeps, and whether anything was left out.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pub fields: Vec<Field>,
    /// True when the EXIF held anything besides the kept tags (an orientation of 1 and the
    /// structure's own tags do not count).
    pub dropped_anything: bool,
}

/// The kept tags of an EXIF block (the TIFF structure, without the `Exif\0\0` prefix).
/// Unreadable EXIF keeps nothing and counts as dropped, so the photo is re-encoded clean.
pub(super) fn read(tiff: &[u8]) -> Kept {
    let exif = match exif::Reader::new().read_raw(tiff.to_vec()) {
        Ok(exif) => exif,
        Err(_) => return Kept { fields: Vec::new(), dropped_anything: true },
    };
    let mut kept = Kept::default();
    for field in exif.fields() {
        if is_kept(field) {
            kept.fields.push(field.clone());
        } else if !is_harmless(field) {
            kept.dropped_anything = true;
        }
    }
    kept
}

/// The EXIF block for `fields`, or none when there is nothing to keep.
pub(super) fn write(fields: &[Field]) -> Option<Vec<u8>> {
    if fields.is_empty() {
        return None;
    }
    // The Exif IFD says which version of the standard it follows (2.32).
    let version =
        Field { tag: Tag::ExifVersion, ifd_num: In::PRIMARY, value: Value::Undefined(b"0232".to_vec(), 0) };
    let has_exif_ifd = fields.iter().any(|f| f.tag.context() == Context::Exif);
    let mut writer = Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    if has_exif_ifd {
        writer.push_field(&version);
    }
    let mut out = Cursor::new(Vec::new());
    // Only fields read from a valid EXIF block are written: a failure here is a bug in the
    // writer, and the photo is better stored without metadata than not at all.
    writer.write(&mut out, false).ok()?;
    Some(out.into_inner())
}

fn is_kept(field: &Field) -> bool {
    field.ifd_num == In::PRIMARY
        && (field.tag.context() == Context::Gps
            || matches!(field.tag, Tag::DateTimeOriginal | Tag::OffsetTimeOriginal | Tag::SubSecTimeOriginal))
}

/// Tags whose loss changes nothing: the structure's own, and an upright orientation.
fn is_harmless(field: &Field) -> bool {
    match field.tag {
        Tag::ExifIFDPointer | Tag::GPSInfoIFDPointer | Tag::InteropIFDPointer | Tag::ExifVersion => true,
        Tag::Orientation => field.value.get_uint(0) == Some(1),
        _ => false,
    }
}
