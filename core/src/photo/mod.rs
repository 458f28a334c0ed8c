//! Photos sized for the job: a camera's photo becomes an evidence-sized JPEG before the
//! device stores it (and so before it is sent).
//!
//! - at most [`MAX_EDGE`] px on the long edge (smaller photos are not enlarged), JPEG at
//!   quality [`JPEG_QUALITY`], Lanczos3 downscaling;
//! - the camera's EXIF orientation applied to the pixels, so the photo is upright in every
//!   viewer, and no orientation tag left behind to turn it a second time;
//! - of the EXIF, only when and where it was taken is kept (see [`metadata`]): serial
//!   numbers, maker notes, thumbnails and the rest are dropped;
//! - JPEG and PNG are read; anything else is refused in words ([`Refusal`]);
//! - a JPEG already small enough (long edge ≤ [`MAX_EDGE`], at most [`KEEP_AS_IS_BYTES`], and
//!   nothing in it but what would be kept) is stored as it is: re-encoding would only lose
//!   quality.
//!
//! The invariant: what [`for_evidence`] returns is a JPEG a browser shows upright, whose
//! only metadata is the time and place the camera wrote.
//!
//! Re-encoding a 12-megapixel photo takes a noticeable fraction of a second: callers run it
//! off the UI thread.

mod metadata;
pub mod sample;

use std::io::Cursor;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits, Rgb,
    RgbImage, Rgba,
};

use crate::Locale;

/// The long edge of a stored photo at most, in pixels: a meter's seal, a valve's position
/// or a pipe's tap stays readable at this size, and a photo is a few hundred KB.
pub const MAX_EDGE: u32 = 2048;
/// The JPEG quality of a re-encoded photo (1–100).
pub const JPEG_QUALITY: u8 = 80;
/// A JPEG up to this size, small enough and with nothing to drop, is stored as it is.
pub const KEEP_AS_IS_BYTES: usize = 600 * 1024;
/// The most pixels a photo may have (108-megapixel phone cameras fit): past this, decoding
/// alone would take more memory than a tablet should spend on one photo.
pub const MAX_PIXELS: u64 = 110_000_000;

/// The MIME type of every photo [`for_evidence`] returns.
pub const MIME_TYPE: &str = "image/jpeg";

/// A photo as the device stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePhoto {
    /// The JPEG file.
    pub bytes: Vec<u8>,
    /// Its width and height in pixels, upright.
    pub width: u32,
    pub height: u32,
    /// True when the input was already small enough and is stored byte for byte.
    pub kept_as_is: bool,
}

/// Why a file cannot be kept as a photo; each says so in the technician's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an image at all (a document, a video, an empty file).
    #[error("the file is not a photo")]
    NotAnImage,
    /// An image in a format the device cannot read (HEIC, WebP, GIF …).
    #[error("photos in {format} format cannot be read; only JPEG and PNG")]
    Format { format: String },
    /// A JPEG or PNG that cannot be decoded: cut short or damaged.
    #[error("the photo cannot be read: {0}")]
    Damaged(String),
    /// More pixels than [`MAX_PIXELS`].
    #[error("the photo has too many pixels ({width}×{height})")]
    TooLarge { width: u32, height: u32 },
}

impl Refusal {
    /// A stable code for the UI, which words it from its own table.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAnImage | Refusal::Damaged(_) => "not_a_photo",
            Refusal::Format { .. } => "photo_format",
            Refusal::TooLarge { .. } => "photo_too_large",
        }
    }

    /// What the technician reads, with what to do about it.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            Refusal::NotAnImage => locale.pick(
                "所选文件不是照片，请重新拍照或选择照片",
                "The chosen file is not a photo; take or choose a photo again.",
            ),
            Refusal::Format { format } => locale.pick(
                format!("无法读取 {format} 格式的照片，请在相机设置中改为 JPEG 格式后重新拍照"),
                format!(
                    "Photos in {format} format cannot be read; set the camera to JPEG and take the photo again."
                ),
            ),
            Refusal::Damaged(_) => locale.pick(
                "照片文件已损坏，无法读取，请重新拍照",
                "The photo file is damaged and cannot be read; take the photo again.",
            ),
            Refusal::TooLarge { width, height } => locale.pick(
                format!("照片像素过高（{width}×{height}），请用相机的普通模式重新拍照"),
                format!(
                    "The photo has too many pixels ({width}×{height}); take it again in the camera's normal mode."
                ),
            ),
        }
    }
}

/// The photo the device stores for `bytes`, a camera's or a gallery's file.
pub fn for_evidence(bytes: &[u8]) -> Result<EvidencePhoto, Refusal> {
    let format = readable_format(bytes)?;
    // The size is checked from the header, before anything the size of the picture is
    // allocated; the decoder's own limit is the memory such a picture needs.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooLarge { width, height });
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8 + 64 * 1024 * 1024);
    decoder.set_limits(limits).map_err(damaged)?;
    // Metadata a camera wrote badly is dropped, not a reason to refuse the photo.
    let exif = decoder.exif_metadata().ok().flatten();
    let orientation =
        exif.as_deref().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let kept = exif.as_deref().map(metadata::read).unwrap_or_default();

    if format == ImageFormat::Jpeg
        && bytes.len() <= KEEP_AS_IS_BYTES
        && width.max(height) <= MAX_EDGE
        && !kept.dropped_anything
        && orientation == Orientation::NoTransforms
        && decoder.xmp_metadata().ok().flatten().is_none()
    {
        return Ok(EvidencePhoto { bytes: bytes.to_vec(), width, height, kept_as_is: true });
    }

    // Only `image`'s own non-generic entry points on the whole picture: they are compiled
    // (and optimised) in that crate, even in debug builds of the app.
    let mut image = shrunk(DynamicImage::from_decoder(decoder).map_err(damaged)?);
    image.apply_orientation(orientation);
    let rgb = over_white(image);

    let mut out = Vec::with_capacity(512 * 1024);
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    if let Some(tiff) = metadata::write(&kept.fields) {
        encoder.set_exif_metadata(tiff).map_err(|e| Refusal::Damaged(e.to_string()))?;
    }
    encoder.write_image(rgb.as_raw(), rgb.width(), rgb.height(), ExtendedColorType::Rgb8).map_err(damaged)?;
    Ok(EvidencePhoto { bytes: out, width: rgb.width(), height: rgb.height(), kept_as_is: false })
}

/// JPEG or PNG by their first bytes (the webview's MIME type is only the file name's
/// guess); another image format is named in the refusal.
fn readable_format(bytes: &[u8]) -> Result<ImageFormat, Refusal> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => Ok(f),
        Ok(other) => Err(Refusal::Format { format: format_name(other) }),
        Err(_) if is_heif(bytes) => Err(Refusal::Format { format: "HEIC".to_owned() }),
        Err(_) => Err(Refusal::NotAnImage),
    }
}

fn format_name(format: ImageFormat) -> String {
    match format {
        ImageFormat::WebP => "WebP".to_owned(),
        other => format!("{other:?}").to_uppercase(),
    }
}

/// An ISO base media file whose brand is one of HEIF's (iPhones' and many phones' default).
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8]; 7] = [b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"];
    bytes.get(4..8) == Some(b"ftyp") && bytes.get(8..12).is_some_and(|brand| BRANDS.contains(&brand))
}

fn damaged(e: image::ImageError) -> Refusal {
    Refusal::Damaged(e.to_string())
}

/// Pixels in 8-bit RGB; transparent parts (a PNG's) over white, as a page would show them.
/// Done on the shrunk picture: this loop is the app's own code, unoptimised in debug builds.
fn over_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let Rgba([r, g, b, a]) = *rgba.get_pixel(x, y);
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
        Rgb([blend(r), blend(g), blend(b)])
    })
}

/// At most [`MAX_EDGE`] on the long edge, the aspect ratio kept; smaller images as they are.
fn shrunk(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    let long = w.max(h);
    if long <= MAX_EDGE {
        return image;
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(MAX_EDGE) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(MAX_EDGE).max(1)
    };
    image.resize_exact(scale(w), scale(h), FilterType::Lanczos3)
}

#[cfg(test)]
mod tests;
