//! Small value types shared by every record: content hashes, attachments (and a repair
//! photo's stage), GPS locations.

use serde::{Deserialize, Serialize};

/// A SHA-256 digest as 64 lowercase hex characters; the only way to make one checks that.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Sha256(hex::encode(sha2::Sha256::digest(bytes)))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256 {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Sha256(s))
        } else {
            Err(format!("not a SHA-256 hex digest: {s:?}"))
        }
    }
}

impl From<Sha256> for String {
    fn from(h: Sha256) -> String {
        h.0
    }
}

impl std::fmt::Display for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A photo or signature image, addressed by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub sha256: Sha256,
    pub mime_type: String,
    pub size_bytes: u64,
    /// A repair's photo taken before or after the work (§76); other photos have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<PhotoStage>,
}

/// When a repair's photo was taken: the fault as found, or the work as left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoStage {
    /// 维修前
    Before,
    /// 维修后
    After,
}

super::snake_case_names!(PhotoStage {
    Before => "before",
    After => "after",
});

/// Where the tablet was when the report was made, if it knew.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GeoLocation {
    pub lat: f64,
    pub lon: f64,
    /// Radius of the fix's uncertainty, in metres.
    pub accuracy_m: f64,
}
