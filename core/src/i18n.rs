//! The languages Hearth speaks. zh-CN is the default: the crews and the office read Chinese.
//!
//! Labels of the UI live in the UI's own table; this crate only needs the locale to word the
//! messages it produces itself (validation problems, store errors shown to a technician).

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// Picks the text for this locale.
    pub fn pick(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Locale::ZhCn => zh.into(),
            Locale::En => en.into(),
        }
    }
}

impl std::str::FromStr for Locale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh-CN" | "zh" => Ok(Locale::ZhCn),
            "en" => Ok(Locale::En),
            other => Err(format!("unknown locale {other:?}: expected zh-CN or en")),
        }
    }
}
