//! The Chinese words the console's CSV exports write for the codes in a record: the glossary's
//! (`hearth_core::glossary`, the words the console and the tablet show), so a spreadsheet
//! reads `入户检修` and `维修记录`, never `repair` or `repair_visit`.

use hearth_core::glossary;
use hearth_core::i18n::Locale;
use hearth_core::model::{Priority, UserCausedFinding, WorkOrderKind, WorkOrderStatus};
use hearth_core::rules::compliance::{Compliance, Excuse};

/// The glossary's Chinese word for `prefix.code`.
fn zh(prefix: &str, code: &str) -> String {
    glossary::word(Locale::ZhCn, prefix, code)
}

pub fn order_kind(kind: WorkOrderKind) -> String {
    zh("kind", kind.as_str())
}

pub fn status(status: WorkOrderStatus) -> String {
    zh("status", status.as_str())
}

pub fn priority(priority: Priority) -> String {
    zh("priority", priority.as_str())
}

/// A report kind as stored (`repair_visit`) in words; an unknown one as it is.
pub fn report_kind(kind: &str) -> String {
    zh("report", kind)
}

fn finding(f: UserCausedFinding) -> String {
    zh("finding", f.as_str())
}

/// A temperature check's verdict in words with its reason: `不达标（最低 15.2 ℃，低于标准 2.8 ℃）`,
/// `免责（室外温度低于设计温度）`.
pub fn verdict(c: &Compliance) -> String {
    match c {
        Compliance::Compliant { lowest_c } => format!("达标（最低 {lowest_c:.1} ℃）"),
        Compliance::NonCompliant { lowest_c, shortfall_c } => {
            format!("不达标（最低 {lowest_c:.1} ℃，低于标准 {shortfall_c:.1} ℃）")
        }
        Compliance::Excused { excuses, .. } => {
            let reasons: Vec<String> = excuses
                .iter()
                .map(|e| match e {
                    Excuse::BelowDesignWeather => "室外温度低于设计温度".to_owned(),
                    Excuse::UserCaused(f) => finding(*f),
                })
                .collect();
            format!("免责（{}）", reasons.join("、"))
        }
        Compliance::Undecided => "无法判定（未测量卧室或起居室）".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_kinds_read_in_chinese() {
        assert_eq!(report_kind("repair_visit"), "维修记录");
        assert_eq!(report_kind("temperature_check"), "测温记录");
        assert_eq!(report_kind("something_new"), "something_new");
    }

    #[test]
    fn a_verdict_says_why() {
        let excused = Compliance::Excused {
            lowest_c: 15.0,
            shortfall_c: 3.0,
            excuses: vec![
                Excuse::BelowDesignWeather,
                Excuse::UserCaused(UserCausedFinding::RadiatorsCovered),
            ],
        };
        assert_eq!(verdict(&excused), "免责（室外温度低于设计温度、暖气片被遮挡或包裹）");
        let cold = Compliance::NonCompliant { lowest_c: 15.2, shortfall_c: 2.8 };
        assert_eq!(verdict(&cold), "不达标（最低 15.2 ℃，低于标准 2.8 ℃）");
    }
}
