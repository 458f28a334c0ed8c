//! A camera's photo becomes an upright, evidence-sized JPEG that keeps when and where it
//! was taken and nothing personal; what is not a photo is refused in words.

use exif::{In, Tag, Value};
use image::{GenericImageView, Rgb};

use super::sample::{self, CameraShot, MARK_SIDE, SERIAL};
use super::*;

fn exif_of(jpeg: &[u8]) -> exif::Exif {
    exif::Reader::new().read_from_container(&mut Cursor::new(jpeg)).expect("the photo has EXIF")
}

fn text(exif: &exif::Exif, tag: Tag) -> Option<String> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(v) => Some(String::from_utf8_lossy(v.first()?).into_owned()),
        _ => None,
    }
}

/// Degrees from EXIF's degrees, minutes and seconds with their N/S or E/W.
fn degrees(exif: &exif::Exif, tag: Tag, reference: Tag) -> f64 {
    let Value::Rational(dms) = &exif.get_field(tag, In::PRIMARY).expect("a GPS coordinate").value else {
        panic!("a GPS coordinate is three rationals");
    };
    let d = dms[0].to_f64() + dms[1].to_f64() / 60.0 + dms[2].to_f64() / 3600.0;
    if matches!(text(exif, reference).as_deref(), Some("S" | "W")) { -d } else { d }
}

fn is_mark(p: Rgb<u8>) -> bool {
    p[0] > 170 && p[1] < 90 && p[2] < 90
}

#[test]
fn a_12_megapixel_photo_held_upright_becomes_an_upright_evidence_jpeg_with_its_time_and_place() {
    let shot = CameraShot { orientation: 6, ..CameraShot::default() };
    let camera = sample::camera_jpeg(&shot);
    assert!(camera.len() > 2_000_000, "the camera's file weighs a few MB: {} bytes", camera.len());

    let photo = for_evidence(&camera).expect("a camera's JPEG is kept");
    assert!(!photo.kept_as_is);
    assert!(photo.bytes.len() < 600 * 1024, "a few hundred KB: {} bytes", photo.bytes.len());
    assert!(photo.bytes.len() * 4 < camera.len(), "{} → {} bytes", camera.len(), photo.bytes.len());

    // Orientation 6: the sensor's 4000×3000 landscape is shown as a 1536×2048 portrait.
    let image = image::load_from_memory_with_format(&photo.bytes, ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!(image.dimensions(), (1536, 2048));
    assert_eq!((photo.width, photo.height), (1536, 2048));
    // Turned a quarter clockwise, the mark in the sensor's top-left corner is now top right.
    let rgb = image.to_rgb8();
    let inset = MARK_SIDE * 2048 / 4000 / 2;
    assert!(
        is_mark(*rgb.get_pixel(1535 - inset, inset)),
        "top right: {:?}",
        rgb.get_pixel(1535 - inset, inset)
    );
    for (x, y) in [(inset, inset), (inset, 2047 - inset), (1535 - inset, 2047 - inset)] {
        assert!(!is_mark(*rgb.get_pixel(x, y)), "no mark at ({x}, {y}): {:?}", rgb.get_pixel(x, y));
    }

    // When and where are kept, read back as the camera wrote them.
    let exif = exif_of(&photo.bytes);
    assert_eq!(text(&exif, Tag::DateTimeOriginal).as_deref(), Some(shot.taken));
    assert_eq!(text(&exif, Tag::OffsetTimeOriginal).as_deref(), Some(shot.offset));
    let (lat, lon) = (
        degrees(&exif, Tag::GPSLatitude, Tag::GPSLatitudeRef),
        degrees(&exif, Tag::GPSLongitude, Tag::GPSLongitudeRef),
    );
    assert!((lat - shot.latitude).abs() < 1e-5 && (lon - shot.longitude).abs() < 1e-5, "{lat}, {lon}");
    // The pixels are upright: no orientation tag is left to turn them again.
    let orientation = exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0));
    assert!(orientation.is_none_or(|o| o == 1), "orientation {orientation:?}");
    // Nothing personal and no stale thumbnail.
    for tag in [Tag::BodySerialNumber, Tag::MakerNote, Tag::Make, Tag::Model] {
        assert!(exif.get_field(tag, In::PRIMARY).is_none(), "{tag} dropped");
    }
    assert!(exif.fields().all(|f| f.ifd_num == In::PRIMARY), "no thumbnail IFD");
    let serial = SERIAL.as_bytes();
    assert!(
        !photo.bytes.windows(serial.len()).any(|w| w == serial),
        "the serial number is nowhere in the file"
    );
}

#[test]
fn an_upright_photo_keeps_its_shape_and_the_mark_stays_top_left() {
    let shot = CameraShot { width: 3000, height: 2250, ..CameraShot::default() };
    let photo = for_evidence(&sample::camera_jpeg(&shot)).expect("kept");
    let rgb = image::load_from_memory(&photo.bytes).expect("a JPEG").to_rgb8();
    assert_eq!(rgb.dimensions(), (2048, 1536));
    assert!(is_mark(*rgb.get_pixel(10, 10)));
    assert!(!is_mark(*rgb.get_pixel(2037, 10)));
}

#[test]
fn a_small_clean_jpeg_is_kept_byte_for_byte() {
    let mut small = Vec::new();
    let pixels = image::RgbImage::from_fn(640, 480, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut small, 85)
        .encode_image(&pixels)
        .expect("encodes");
    let photo = for_evidence(&small).expect("kept");
    assert!(photo.kept_as_is);
    assert_eq!(photo.bytes, small);
    assert_eq!((photo.width, photo.height), (640, 480));
}

#[test]
fn a_small_jpeg_with_a_serial_number_or_turned_is_still_re_encoded() {
    let turned = CameraShot { width: 800, height: 600, orientation: 6, ..CameraShot::default() };
    let photo = for_evidence(&sample::camera_jpeg(&turned)).expect("kept");
    assert!(!photo.kept_as_is);
    assert_eq!((photo.width, photo.height), (600, 800), "not enlarged, turned upright");
    assert!(exif_of(&photo.bytes).get_field(Tag::BodySerialNumber, In::PRIMARY).is_none());
    assert_eq!(text(&exif_of(&photo.bytes), Tag::DateTimeOriginal).as_deref(), Some(turned.taken));
}

#[test]
fn a_png_becomes_a_jpeg_with_its_transparency_over_white() {
    let pixels = image::RgbaImage::from_fn(320, 240, |x, _| {
        if x < 160 { image::Rgba([0, 0, 0, 0]) } else { image::Rgba([10, 120, 200, 255]) }
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(pixels)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("encodes");
    let photo = for_evidence(&png).expect("a PNG is kept as a JPEG");
    assert_eq!(image::guess_format(&photo.bytes).ok(), Some(ImageFormat::Jpeg));
    let rgb = image::load_from_memory(&photo.bytes).expect("a JPEG").to_rgb8();
    assert_eq!(rgb.dimensions(), (320, 240));
    assert!(
        rgb.get_pixel(40, 120).0.iter().all(|&c| c > 240),
        "white, not black: {:?}",
        rgb.get_pixel(40, 120)
    );
}

#[test]
fn what_is_not_a_photo_is_refused_in_words() {
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj".as_slice();
    let refusal = for_evidence(pdf).expect_err("a PDF is no photo");
    assert_eq!(refusal, Refusal::NotAnImage);
    assert_eq!(refusal.code(), "not_a_photo");
    assert_eq!(refusal.message(Locale::ZhCn), "所选文件不是照片，请重新拍照或选择照片");
    assert_eq!(refusal.message(Locale::En), "The chosen file is not a photo; take or choose a photo again.");
    assert_eq!(for_evidence(&[]), Err(Refusal::NotAnImage));

    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".as_slice();
    let refusal = for_evidence(heic).expect_err("HEIC cannot be read");
    assert_eq!(refusal.code(), "photo_format");
    assert!(refusal.message(Locale::ZhCn).contains("HEIC") && refusal.message(Locale::ZhCn).contains("JPEG"));

    let gif = b"GIF89a\x01\0\x01\0\0\0\0;".as_slice();
    assert!(for_evidence(gif).expect_err("no GIF").message(Locale::En).contains("GIF format"));

    // A camera's file cut short by a full card: damaged, said so.
    let camera = sample::camera_jpeg(&CameraShot { width: 400, height: 300, ..CameraShot::default() });
    let cut = for_evidence(&camera[..600]).expect_err("a truncated JPEG");
    assert_eq!(cut.code(), "not_a_photo");
    assert_eq!(cut.message(Locale::ZhCn), "照片文件已损坏，无法读取，请重新拍照");
}

/// The CRC-32 a PNG chunk ends with (over its type and data).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_photo_with_too_many_pixels_is_refused_before_it_is_decoded() {
    // A PNG whose header claims 20000×20000 colour pixels (1.2 GB to decode): refused from
    // its header alone, with its size in the words.
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(1, 1))
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("encodes");
    png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let refusal = for_evidence(&png).expect_err("too large");
    assert_eq!(refusal, Refusal::TooLarge { width: 20_000, height: 20_000 });
    assert_eq!(refusal.code(), "photo_too_large");
    assert!(refusal.message(Locale::ZhCn).contains("20000×20000"), "{}", refusal.message(Locale::ZhCn));
}
