//! Readable work-order numbers (和平-1202-007): what a dispatcher reads over the phone and a
//! customer quotes back. The station's short name, the month and day the order was reported
//! (China keeps one time zone, UTC+8, so a day is the same in every office), and the order's
//! count among that station's orders of that day. The server gives each number once, when
//! it stores the order; the count is the only part that needs storage.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// China Standard Time: the day a number belongs to.
fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// The calendar day (in China) an order reported at `reported_at` is numbered in.
pub fn day(reported_at: DateTime<Utc>) -> NaiveDate {
    reported_at.with_timezone(&china_time()).date_naive()
}

/// The part of a station's name people say: 和平供热站 → 和平. Names without one of the
/// usual endings are kept whole.
pub fn station_short_name(station_name: &str) -> &str {
    let name = station_name.trim();
    ["供热服务站", "供热站", "热力站", "换热站", "站"]
        .iter()
        .find_map(|ending| name.strip_suffix(ending).filter(|short| !short.is_empty()))
        .unwrap_or(name)
}

/// The number of the station's `count`th order (from 1) of `day`: 和平-1202-007.
pub fn format(station_name: &str, day: NaiveDate, count: u32) -> String {
    format!("{}-{}-{count:03}", station_short_name(station_name), day.format("%m%d"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_number_names_the_station_the_chinese_day_and_the_count() {
        // 17:51 UTC on 1 December is 01:51 on 2 December in Tianjin.
        let reported = Utc.with_ymd_and_hms(2026, 12, 1, 17, 51, 0).unwrap();
        assert_eq!(format("和平供热站", day(reported), 7), "和平-1202-007");
        assert_eq!(format("河西热力站", day(reported), 123), "河西-1202-123");
        assert_eq!(format("西区", day(reported), 1), "西区-1202-001");
        assert_eq!(format("站", day(reported), 1), "站-1202-001");
    }
}
