//! One word per concept: the labels of the domain's codes (work-order statuses, kinds,
//! priorities and sources, report kinds, faults, violations, rooms, findings, satisfaction)
//! in zh-CN and en, read from the glossary both UIs spread into their label tables
//! (`ui/shared/glossary.json`). Whatever Rust words for a person — the console's CSV exports,
//! the tablet's system notifications — says it with the same word the screens use.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::i18n::Locale;

/// The glossary as the UIs have it: locale → `prefix.code` → word.
static WORDS: LazyLock<HashMap<String, HashMap<String, String>>> = LazyLock::new(|| {
    serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/shared/glossary.json")))
        .unwrap_or_default()
});

/// The word for `code` under `prefix` (`word(ZhCn, "status", "on_site")` → 已到场), or the
/// code itself when the glossary has none (a code newer than this build).
pub fn word(locale: Locale, prefix: &str, code: &str) -> String {
    let table = match locale {
        Locale::ZhCn => "zh-CN",
        Locale::En => "en",
    };
    WORDS
        .get(table)
        .and_then(|words| words.get(&format!("{prefix}.{code}")))
        .cloned()
        .unwrap_or_else(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        FaultCategory, Priority, ReportKind, RoomType, Satisfaction, UserCausedFinding, ViolationType,
        WorkOrderKind, WorkOrderSource, WorkOrderStatus,
    };

    #[test]
    fn every_code_a_person_reads_has_a_word_in_both_languages() {
        let codes = WorkOrderStatus::ALL
            .iter()
            .map(|c| ("status", c.as_str()))
            .chain(WorkOrderKind::ALL.iter().map(|c| ("kind", c.as_str())))
            .chain(Priority::ALL.iter().map(|c| ("priority", c.as_str())))
            .chain(WorkOrderSource::ALL.iter().map(|c| ("source", c.as_str())))
            .chain(ReportKind::ALL.iter().map(|c| ("report", c.as_str())))
            .chain(FaultCategory::ALL.iter().map(|c| ("fault", c.as_str())))
            .chain(ViolationType::ALL.iter().map(|c| ("violation", c.as_str())))
            .chain(RoomType::ALL.iter().map(|c| ("room", c.as_str())))
            .chain(UserCausedFinding::ALL.iter().map(|c| ("finding", c.as_str())))
            .chain(Satisfaction::ALL.iter().map(|c| ("satisfaction", c.as_str())));
        for (prefix, code) in codes {
            for locale in [Locale::ZhCn, Locale::En] {
                assert_ne!(word(locale, prefix, code), code, "{prefix}.{code} in {locale:?}");
            }
        }
        assert_eq!(word(Locale::ZhCn, "status", "on_site"), "已到场");
        assert_eq!(word(Locale::En, "priority", "urgent"), "Urgent");
        assert_eq!(word(Locale::ZhCn, "status", "something_new"), "something_new");
    }
}
