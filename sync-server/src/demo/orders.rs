//! The demo city's work orders: per station, the last three days of a heating season as its
//! crews and dispatchers lived them. Repairs called in by day and in the evening (some done
//! or could-not-complete with what happened, some open and late, some due today, one urgent
//! call to be reached within 2 hours), temperature checks from complaints, planned area
//! re-measurements and inspections with their appointment windows, a follow-up visit.
//!
//! Invariants: every time is at or before `now` except appointments and deadlines; deadlines
//! come from the city profile exactly as the console's intake sets them; `arrived_at` and
//! `done_at` agree with the status; inspections and re-measurements go to the station's
//! inspector, other work to its technician or the station's pool.

use chrono::{DateTime, Days, Duration, DurationRound, FixedOffset, NaiveTime, Offset, TimeZone, Utc};
use hearth_core::model::{
    Household, HouseholdStatus, Priority, Role, Station, TimeWindow, User, WorkOrder, WorkOrderKind,
    WorkOrderSource, WorkOrderStatus,
};
use hearth_core::rules::CityProfile;

use crate::routes::console::intake::due_times;

/// Tianjin's clock: the demo's days and hours are the city's, whatever the server's zone.
fn tianjin() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// When an order was called in, relative to the demo's `now`.
#[derive(Debug, Clone, Copy)]
enum Called {
    /// This many minutes ago.
    MinutesAgo(i64),
    /// At a Tianjin clock time, this many days before today.
    DaysAgo(u64, u32, u32),
}

/// An appointment window agreed with the customer.
#[derive(Debug, Clone, Copy)]
enum Window {
    /// The `n`th (from 0) two-hour window of the working day still at least an hour away:
    /// today's if enough are left, else tomorrow's.
    NextFree(usize),
    /// Starting at this Tianjin hour this many days from today, lasting `hours`.
    InDays(u64, u32, u32),
    /// Like `InDays`, but in the past (a visit already made).
    DaysAgo(u64, u32, u32),
}

/// Who the order is given to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Crew {
    Technician,
    Inspector,
    /// Left in the station's pool for whoever takes it.
    Pool,
}

/// Where the order stands now; minutes count from the report (or the appointment's start).
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Waiting,
    OnSite { after: i64 },
    Done { arrived_after: i64, done_after: i64, note: &'static str },
    CouldNotComplete { arrived_after: i64, note: &'static str },
}

/// One order of a station's plan.
struct Plan {
    kind: WorkOrderKind,
    source: WorkOrderSource,
    priority: Priority,
    /// Per station, one is picked by the station's place in the list, so stations differ.
    descriptions: &'static [&'static str],
    called: Called,
    window: Option<Window>,
    crew: Crew,
    outcome: Outcome,
    /// On a household that has stopped its heating (报停): an inspection's usual reason.
    suspended_home: bool,
}

use Called::*;
use Outcome::*;
use WorkOrderKind as K;

/// How many orders each station gets.
#[cfg(test)]
pub(super) const PLAN_LEN: usize = PLAN.len();

/// The plan every station follows; the follow-up (last) visits the household of the first
/// repair, which was done.
const PLAN: &[Plan] = &[
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["卧室暖气片不热，上半部分凉", "客厅暖气片只有进水口一端热"],
        called: DaysAgo(3, 9, 40),
        window: None,
        crew: Crew::Technician,
        outcome: Done {
            arrived_after: 65, done_after: 200, note: "散热器气堵，排气后恢复，室温18.6℃"
        },
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["客厅暖气片接口漏水，地面有积水", "厨房暖气管接头滴水"],
        called: DaysAgo(2, 19, 25),
        window: None,
        crew: Crew::Technician,
        outcome: Done {
            arrived_after: 90, done_after: 180, note: "更换接口垫片，试压不漏，已擦干地面"
        },
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["全屋暖气不热，邻居家正常", "卫生间暖气片不热，阀门拧不动"],
        called: DaysAgo(2, 14, 10),
        window: None,
        crew: Crew::Technician,
        outcome: CouldNotComplete {
            arrived_after: 100,
            note: "楼内立管阀门损坏，需整栋关阀更换，已与用户约定明天上午再来",
        },
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["暖气管道有敲击异响，夜里影响休息", "暖气片有流水声，不太热"],
        called: DaysAgo(1, 8, 50),
        window: None,
        crew: Crew::Technician,
        outcome: Done {
            arrived_after: 65, done_after: 220, note: "系统内有空气，排气后异响消失"
        },
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["整个单元暖气都不热", "楼道暖气管漏水，楼下住户反映"],
        // Ten hours ago: two hours past its 8, at whatever hour the demo is made.
        called: MinutesAgo(600),
        window: None,
        crew: Crew::Technician,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["卧室暖气片阀门关不严，一直滴水", "暖气片温度低，室内约16℃"],
        called: MinutesAgo(190),
        window: None,
        crew: Crew::Pool,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["新换的暖气片不热", "地暖分水器漏水"],
        called: MinutesAgo(300),
        window: None,
        crew: Crew::Technician,
        outcome: OnSite { after: 75 },
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Urgent,
        descriptions: &["暖气管爆裂，屋里进水，家中有老人", "入户阀门处大量漏水，用户已关总阀"],
        called: MinutesAgo(20),
        window: None,
        crew: Crew::Technician,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::Repair,
        source: WorkOrderSource::Hotline,
        priority: Priority::Normal,
        descriptions: &["暖气忽冷忽热", "次卧暖气片不热"],
        called: MinutesAgo(50),
        window: None,
        crew: Crew::Pool,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::TemperatureCheck,
        source: WorkOrderSource::Complaint,
        priority: Priority::Normal,
        descriptions: &["用户投诉室温只有16℃，要求上门测温", "用户反映家中有老人，室温偏低"],
        called: DaysAgo(1, 10, 15),
        window: None,
        crew: Crew::Technician,
        outcome: CouldNotComplete {
            arrived_after: 75, note: "用户不在家，电话无人接听，已在门上留联系卡"
        },
        suspended_home: false,
    },
    Plan {
        kind: K::TemperatureCheck,
        source: WorkOrderSource::Complaint,
        priority: Priority::Normal,
        descriptions: &["用户反映室温偏低，上门测温", "用户投诉卧室温度不达标"],
        called: MinutesAgo(90),
        window: None,
        crew: Crew::Technician,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::TemperatureCheck,
        source: WorkOrderSource::Complaint,
        priority: Priority::Normal,
        descriptions: &["用户投诉连续三天室温不到18℃", "用户反映客厅冷，要求测温"],
        called: MinutesAgo(40),
        window: None,
        crew: Crew::Pool,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::AreaRemeasure,
        source: WorkOrderSource::Planned,
        priority: Priority::Normal,
        descriptions: &["用户对收费面积有异议，预约复核", "房屋过户，核实供热面积"],
        called: DaysAgo(2, 16, 0),
        window: Some(Window::NextFree(0)),
        crew: Crew::Inspector,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::AreaRemeasure,
        source: WorkOrderSource::Planned,
        priority: Priority::Normal,
        descriptions: &["阳台改造后申请重新核定面积", "用户认为收费面积比房本多，预约复核"],
        called: DaysAgo(1, 10, 30),
        window: Some(Window::InDays(1, 14, 2)),
        crew: Crew::Inspector,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::AreaRemeasure,
        source: WorkOrderSource::Planned,
        priority: Priority::Normal,
        descriptions: &["用户对收费面积有异议，预约复核", "房屋过户，核实供热面积"],
        called: DaysAgo(3, 11, 0),
        window: Some(Window::DaysAgo(1, 15, 2)),
        crew: Crew::Inspector,
        outcome: CouldNotComplete {
            arrived_after: 5, note: "用户未按约定在家，电话联系后改约下周"
        },
        suspended_home: false,
    },
    Plan {
        kind: K::Inspection,
        source: WorkOrderSource::Planned,
        priority: Priority::Normal,
        descriptions: &["疑似私接供热管道至储藏室，上门稽查", "邻居反映楼道暖气管被私接"],
        called: DaysAgo(1, 9, 0),
        window: Some(Window::NextFree(1)),
        crew: Crew::Inspector,
        outcome: Waiting,
        suspended_home: false,
    },
    Plan {
        kind: K::Inspection,
        source: WorkOrderSource::Planned,
        priority: Priority::Normal,
        descriptions: &["报停户疑似私自开阀用热，上门稽查", "报停户室内温度正常，核查是否私开"],
        called: DaysAgo(2, 10, 0),
        window: Some(Window::InDays(2, 9, 3)),
        crew: Crew::Inspector,
        outcome: Waiting,
        suspended_home: true,
    },
    Plan {
        kind: K::FollowUp,
        source: WorkOrderSource::FollowUp,
        priority: Priority::Normal,
        descriptions: &["维修后回访，确认室温达标", "维修后回访，复测卧室温度"],
        called: DaysAgo(1, 9, 30),
        window: Some(Window::NextFree(0)),
        crew: Crew::Technician,
        outcome: Waiting,
        suspended_home: false,
    },
];

/// A Tianjin clock time `days` days from `now`'s day (negative: before).
fn on_day(now: DateTime<Utc>, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let tz = tianjin();
    let today = now.with_timezone(&tz).date_naive();
    let day = if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .unwrap_or(today);
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
    tz.from_local_datetime(&day.and_time(time)).single().map_or(now, |t| t.with_timezone(&Utc))
}

/// Two-hour windows of a working day: 09:00, 11:00, 14:00, 16:00.
const WINDOW_STARTS: [u32; 4] = [9, 11, 14, 16];

fn window(now: DateTime<Utc>, w: Window) -> TimeWindow {
    let span = |start: DateTime<Utc>, hours: u32| TimeWindow {
        start,
        end: start + Duration::hours(i64::from(hours)),
    };
    match w {
        Window::NextFree(n) => {
            let starts = [0, 1].into_iter().flat_map(|day| WINDOW_STARTS.map(|h| on_day(now, day, h, 0)));
            let start = starts.filter(|&start| start >= now + Duration::hours(1)).nth(n);
            span(start.unwrap_or_else(|| on_day(now, 2, 9, 0)), 2)
        }
        Window::InDays(days, hour, hours) => span(on_day(now, days as i64, hour, 0), hours),
        Window::DaysAgo(days, hour, hours) => span(on_day(now, -(days as i64), hour, 0), hours),
    }
}

/// A work order and the time of its last status move (its fields' stamp).
pub struct Planned {
    pub order: WorkOrder,
    pub moved_at: DateTime<Utc>,
}

/// Every station's orders at `now`, on the station's households (round the station's
/// connected households in order; a suspended one for an inspection of a stopped household),
/// given to the station's crews in `users`.
pub fn plan(
    now: DateTime<Utc>,
    profile: &CityProfile,
    stations: &[Station],
    homes: &[Household],
    users: &[User],
) -> Vec<Planned> {
    // Calls are logged to the minute.
    let now = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
    let mut out = Vec::new();
    let mut called_at = std::collections::BTreeSet::new();
    for (s, station) in stations.iter().enumerate() {
        let crew = |role: Role| {
            users.iter().find(|u| u.role == role && u.station_id == Some(station.id)).map(|u| u.id)
        };
        let (technician, inspector) = (crew(Role::Technician), crew(Role::Inspector));
        let own: Vec<&Household> = homes.iter().filter(|h| h.station_id == station.id).collect();
        let connected: Vec<&&Household> =
            own.iter().filter(|h| h.status == HouseholdStatus::Connected).collect();
        let suspended = own.iter().find(|h| h.status == HouseholdStatus::Suspended);
        if connected.is_empty() {
            continue;
        }
        let mut first_repair: Option<(uuid::Uuid, uuid::Uuid)> = None;
        for (i, p) in PLAN.iter().enumerate() {
            let home = match (p.suspended_home, suspended, p.kind, first_repair) {
                (true, Some(h), ..) => *h,
                (_, _, K::FollowUp, Some((_, home))) => {
                    own.iter().copied().find(|h| h.id == home).unwrap_or(connected[0])
                }
                _ => *connected[i % connected.len()],
            };
            // Stations' calls a few minutes apart, as a city's would be.
            let mut reported_at = match p.called {
                MinutesAgo(m) => now - Duration::minutes(m + 4 * s as i64),
                DaysAgo(d, h, m) => on_day(now, -(d as i64), h, m) + Duration::minutes(13 * s as i64),
            };
            // Each call at its own minute, whatever the hour the demo is made at.
            while !called_at.insert(reported_at) {
                reported_at -= Duration::minutes(1);
            }
            let appointment = p.window.map(|w| window(now, w));
            let (arrive_by, due_by) = due_times(p.kind, reported_at, appointment, profile);
            // Visits count from the appointment when there is one, else from the call.
            let start = appointment.map_or(reported_at, |w| w.start.max(reported_at));
            let at = |minutes: i64| start + Duration::minutes(minutes);
            let (status, arrived_at, done_at, status_note, moved_at) = match p.outcome {
                Waiting => (WorkOrderStatus::New, None, None, None, reported_at),
                OnSite { after } => (WorkOrderStatus::OnSite, Some(at(after)), None, None, at(after)),
                Done { arrived_after, done_after, note } => (
                    WorkOrderStatus::Done,
                    Some(at(arrived_after)),
                    Some(at(done_after)),
                    Some(note),
                    at(done_after),
                ),
                CouldNotComplete { arrived_after, note } => (
                    WorkOrderStatus::CouldNotComplete,
                    Some(at(arrived_after)),
                    None,
                    Some(note),
                    at(arrived_after + 30),
                ),
            };
            let assignee_id = match p.crew {
                Crew::Technician => technician,
                Crew::Inspector => inspector,
                Crew::Pool => None,
            };
            let status = match (status, assignee_id) {
                (WorkOrderStatus::New, Some(_)) => WorkOrderStatus::Assigned,
                (status, _) => status,
            };
            let order = WorkOrder {
                id: hearth_core::new_id(),
                household_id: home.id,
                station_id: station.id,
                kind: p.kind,
                source: p.source,
                status,
                priority: p.priority,
                description: p.descriptions[s % p.descriptions.len()].to_owned(),
                reported_at,
                appointment,
                arrive_by,
                due_by,
                assignee_id,
                status_note: status_note.map(str::to_owned),
                follows_up: (p.kind == K::FollowUp).then_some(first_repair.map(|(order, _)| order)).flatten(),
                arrived_at,
                done_at,
                number: None,
            };
            if p.kind == K::Repair && first_repair.is_none() {
                first_repair = Some((order.id, order.household_id));
            }
            out.push(Planned { order, moved_at: moved_at.min(now) });
        }
    }
    out.sort_by_key(|p| p.order.reported_at);
    out
}
