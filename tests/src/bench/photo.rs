//! `photo_resize_12mp`: a 12-megapixel camera photo (4000×3000, JPEG quality 92, turned by
//! its EXIF orientation, with GPS, time, serial number, maker note and thumbnail) re-encoded
//! to evidence size as the field app does before storing it (hearth-core's `photo`): the
//! time of one photo, and its bytes before and after.

use hearth_core::photo::{self, sample};
use serde_json::json;

use super::Samples;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Re-encodes the same camera photo `n` times.
pub fn resize_12mp(n: usize) -> BenchResult<String> {
    let camera = sample::camera_jpeg(&sample::CameraShot { orientation: 6, ..sample::CameraShot::default() });
    let mut samples = Samples::default();
    let mut out = None;
    for _ in 0..n {
        out = Some(samples.time(|| photo::for_evidence(&camera))?);
    }
    let out = out.ok_or("no run")?;
    Ok(samples.line(
        "photo_resize_12mp",
        json!({
            "bytes_in": camera.len(),
            "bytes_out": out.bytes.len(),
            "width_out": out.width,
            "height_out": out.height,
        }),
    ))
}
