//! Camera-like photos made on the spot, for tests and benchmarks (no multi-MB files in the
//! repository): a textured picture with a red mark in its stored top-left corner, encoded
//! as a camera would (high JPEG quality, so a 12-megapixel photo weighs a few MB) with the
//! EXIF a phone writes — orientation, the time taken with its offset, a GPS position, and
//! what the device must not keep: make, model, the body's serial number, a maker note and
//! a thumbnail.

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, Rgb, RgbImage};

/// The colour of the mark painted in the stored top-left corner.
pub const MARK: Rgb<u8> = Rgb([220, 20, 20]);
/// The mark's side in pixels.
pub const MARK_SIDE: u32 = 96;
/// The serial number written in the camera's EXIF (and its maker note).
pub const SERIAL: &str = "SN-0042-7731";

/// What the camera wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraShot {
    /// The stored pixels' size (before the orientation is applied).
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation (1–8); 6 is a phone held upright, its sensor turned.
    pub orientation: u16,
    /// `DateTimeOriginal` as EXIF writes it, and its offset from UTC.
    pub taken: &'static str,
    pub offset: &'static str,
    /// Degrees, north and east positive.
    pub latitude: f64,
    pub longitude: f64,
    /// The camera's JPEG quality.
    pub quality: u8,
}

impl Default for CameraShot {
    /// A 12-megapixel photo taken upright in Harbin on a winter morning.
    fn default() -> CameraShot {
        CameraShot {
            width: 4000,
            height: 3000,
            orientation: 1,
            taken: "2026:12:03 09:41:07",
            offset: "+08:00",
            latitude: 45.756_712,
            longitude: 126.642_481,
            quality: 92,
        }
    }
}

/// The JPEG file the camera would have made.
pub fn camera_jpeg(shot: &CameraShot) -> Vec<u8> {
    let pixels = DynamicImage::ImageRgb8(picture(shot.width, shot.height));
    let thumbnail = jpeg(&pixels.thumbnail(160, 120), 70, None);
    jpeg(&pixels, shot.quality, Some(camera_exif(shot, &thumbnail)))
}

/// `pixels` as a JPEG file, through `image`'s non-generic (so optimised) encoder entry.
fn jpeg(pixels: &DynamicImage, quality: u8, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).expect("JPEG carries EXIF");
    }
    encoder
        .write_image(
            pixels.as_bytes(),
            pixels.width(),
            pixels.height(),
            ExtendedColorType::from(pixels.color()),
        )
        .expect("the picture encodes");
    out
}

/// A picture with some texture (so it compresses like a photo, not like a flat colour) and
/// the mark in its top-left corner. Written byte by byte from small tables: this loop runs
/// unoptimised in the tests.
fn picture(width: u32, height: u32) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(15);
    let grain: Vec<i16> = (0..GRAIN).map(|_| i16::from(rng.u8(..24)) - 12).collect();
    // A wall-grey gradient with a darker band across it (a pipe), and grain.
    let columns: Vec<i16> = (0..width).map(|x| 90 + (u64::from(x) * 80 / u64::from(width)) as i16).collect();
    let shade = |v: i16| v.clamp(0, 255) as u8;
    let mut raw = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let pipe = if u64::from(y) * 7 / u64::from(height) == 3 { -45 } else { 0 };
        let row = (u64::from(y) * 40 / u64::from(height)) as i16 + pipe;
        let start = (y as usize).wrapping_mul(7919);
        for (x, column) in columns.iter().enumerate() {
            if (x as u32) < MARK_SIDE && y < MARK_SIDE {
                raw.extend_from_slice(&MARK.0);
            } else {
                let v = column + row + grain[(start + x) % GRAIN];
                raw.extend_from_slice(&[shade(v), shade(v + 6), shade(v + 14)]);
            }
        }
    }
    RgbImage::from_raw(width, height, raw).unwrap_or_default()
}

/// The length of the grain's table; each row starts at another place in it.
const GRAIN: usize = 65_521;

fn ascii(tag: Tag, text: &str) -> Field {
    Field { tag, ifd_num: In::PRIMARY, value: Value::Ascii(vec![text.as_bytes().to_vec()]) }
}

/// Degrees as EXIF's degrees, minutes and hundredths of seconds.
fn dms(degrees: f64) -> Value {
    let d = degrees.abs();
    let whole = d.trunc();
    let minutes = ((d - whole) * 60.0).trunc();
    let centiseconds = (((d - whole) * 60.0 - minutes) * 60.0 * 100.0).round();
    Value::Rational(vec![
        Rational { num: whole as u32, denom: 1 },
        Rational { num: minutes as u32, denom: 1 },
        Rational { num: centiseconds as u32, denom: 100 },
    ])
}

fn camera_exif(shot: &CameraShot, thumbnail: &[u8]) -> Vec<u8> {
    let fields = [
        ascii(Tag::Make, "HearthCam"),
        ascii(Tag::Model, "Field X1"),
        Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![shot.orientation]) },
        ascii(Tag::DateTimeOriginal, shot.taken),
        ascii(Tag::OffsetTimeOriginal, shot.offset),
        ascii(Tag::BodySerialNumber, SERIAL),
        Field {
            tag: Tag::MakerNote,
            ifd_num: In::PRIMARY,
            value: Value::Undefined(format!("HEARTHCAM serial={SERIAL} owner=Zhang").into_bytes(), 0),
        },
        Field { tag: Tag::GPSVersionID, ifd_num: In::PRIMARY, value: Value::Byte(vec![2, 3, 0, 0]) },
        ascii(Tag::GPSLatitudeRef, if shot.latitude >= 0.0 { "N" } else { "S" }),
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: dms(shot.latitude) },
        ascii(Tag::GPSLongitudeRef, if shot.longitude >= 0.0 { "E" } else { "W" }),
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: dms(shot.longitude) },
        // The thumbnail's IFD needs a field of its own besides the picture.
        Field { tag: Tag::Compression, ifd_num: In::THUMBNAIL, value: Value::Short(vec![6]) },
    ];
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    writer.set_jpeg(thumbnail, In::THUMBNAIL);
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, true).expect("the camera's EXIF is written");
    out.into_inner()
}
