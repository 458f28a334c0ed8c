//! A pulled page as the device holds it between its download and its apply: the page's
//! households keep their text in one buffer of the page, read straight from the answer's
//! JSON, instead of in four strings each (a first pull of a city reads 1,000,000 of them,
//! and allocating and freeing their strings cost more than reading their JSON). Everything
//! else on the page is the protocol's [`Incoming`]. The JSON is read as strictly as
//! [`PullResponse`]: a field it does not know refuses the page.

use std::borrow::Cow;

use serde::Deserialize;
use uuid::Uuid;

use crate::Result;
use crate::model::{Household, HouseholdStatus, Station};
use crate::protocol::{Incoming, PullResponse, Withdrawn, WorkOrderState};
use crate::store::households::Row;

/// A page of changes, in feed order, with the cursor that follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledPage {
    pub changes: Vec<Change>,
    /// Pass as `after` for the next page.
    pub next_cursor: u64,
    /// More changes wait after this page.
    pub more: bool,
    /// How many changes are left after this page, when the pull asked.
    pub remaining: Option<u64>,
    /// The households' account numbers, addresses, names and phones, one after another.
    text: String,
}

/// One change of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A household, its text in the page's buffer ([`PulledPage::household`]).
    Household(HouseholdAt),
    /// Anything else.
    Other(Box<Incoming>),
}

/// A household of a page: its text's place in the page's buffer, and the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HouseholdAt {
    id: Uuid,
    station_id: Uuid,
    billed_area_m2: f64,
    status: HouseholdStatus,
    /// Where its account number starts, and where it, the address, the name and the phone end.
    bounds: [u32; 5],
}

impl PulledPage {
    /// Reads the JSON body of a `GET /v1/sync/pull` answer.
    pub fn parse(json: &[u8]) -> Result<PulledPage> {
        // Checked as UTF-8 once, whole (by SIMD; the standard library says where it fails),
        // rather than string by string as it is read.
        let json = simdutf8::basic::from_utf8(json)
            .or_else(|_| std::str::from_utf8(json))
            .map_err(<serde_json::Error as serde::de::Error>::custom)?;
        let wire: WirePage<'_> = serde_json::from_str(json)?;
        let mut page = PulledPage {
            changes: Vec::with_capacity(wire.changes.len()),
            next_cursor: wire.next_cursor,
            more: wire.more,
            remaining: wire.remaining,
            text: String::new(),
        };
        let text_len = wire.changes.iter().map(WireChange::text_len).sum();
        page.text.reserve_exact(text_len);
        for change in wire.changes {
            let change = match change.change {
                WireIncoming::Household(h) => page.push_household(Row {
                    id: h.id,
                    account_no: &h.account_no,
                    address: &h.address,
                    owner_name: &h.owner_name,
                    phone: &h.phone,
                    billed_area_m2: h.billed_area_m2,
                    station_id: h.station_id,
                    status: h.status,
                }),
                WireIncoming::Station(s) => Change::Other(Box::new(Incoming::Station(s))),
                WireIncoming::WorkOrder(w) => Change::Other(Box::new(Incoming::WorkOrder(*w))),
                WireIncoming::Withdrawn(w) => Change::Other(Box::new(Incoming::Withdrawn(w))),
            };
            page.changes.push(change);
        }
        Ok(page)
    }

    /// The household `at` holds, its text borrowed from the page.
    pub fn household(&self, at: &HouseholdAt) -> Row<'_> {
        let [start, account_no, address, owner_name, phone] = at.bounds.map(|b| b as usize);
        Row {
            id: at.id,
            account_no: &self.text[start..account_no],
            address: &self.text[account_no..address],
            owner_name: &self.text[address..owner_name],
            phone: &self.text[owner_name..phone],
            billed_area_m2: at.billed_area_m2,
            station_id: at.station_id,
            status: at.status,
        }
    }

    /// How many changes the page holds.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether the page holds no change.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Adds `row`'s text to the buffer; the change that finds it there.
    fn push_household(&mut self, row: Row<'_>) -> Change {
        let mut bounds = [0; 5];
        bounds[0] = self.end();
        for (i, text) in [row.account_no, row.address, row.owner_name, row.phone].into_iter().enumerate() {
            self.text.push_str(text);
            bounds[i + 1] = self.end();
        }
        Change::Household(HouseholdAt {
            id: row.id,
            station_id: row.station_id,
            billed_area_m2: row.billed_area_m2,
            status: row.status,
            bounds,
        })
    }

    /// The buffer's length: a page's text is far below 4 GB (a page is at most
    /// [`crate::protocol::MAX_PULL_LIMIT`] changes).
    fn end(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }
}

/// A page read by the typed protocol (tests, tools) holds the same changes.
impl From<PullResponse> for PulledPage {
    fn from(response: PullResponse) -> PulledPage {
        let mut page = PulledPage {
            changes: Vec::with_capacity(response.changes.len()),
            next_cursor: response.next_cursor,
            more: response.more,
            remaining: response.remaining,
            text: String::new(),
        };
        for pulled in response.changes {
            let change = match pulled.change {
                Incoming::Household(h) => page.push_household(Row::from(&h)),
                other => Change::Other(Box::new(other)),
            };
            page.changes.push(change);
        }
        page
    }
}

/// [`PullResponse`] as it is read, its households' text borrowed from the JSON where it has no
/// escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePage<'a> {
    #[serde(borrow)]
    changes: Vec<WireChange<'a>>,
    next_cursor: u64,
    more: bool,
    #[serde(default)]
    remaining: Option<u64>,
}

/// [`crate::protocol::PulledChange`] as it is read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireChange<'a> {
    /// Read to keep the page's shape; the page's cursor is what moves.
    #[serde(rename = "seq")]
    _seq: u64,
    #[serde(borrow)]
    change: WireIncoming<'a>,
}

impl WireChange<'_> {
    fn text_len(&self) -> usize {
        match &self.change {
            WireIncoming::Household(h) => {
                h.account_no.len() + h.address.len() + h.owner_name.len() + h.phone.len()
            }
            _ => 0,
        }
    }
}

/// [`Incoming`] as it is read.
#[derive(Deserialize)]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
enum WireIncoming<'a> {
    Station(Station),
    Household(#[serde(borrow)] WireHousehold<'a>),
    /// Boxed: the pages' changes are moved as they are read, and most are households.
    WorkOrder(Box<WorkOrderState>),
    Withdrawn(Withdrawn),
}

/// [`Household`] as it is read: the same fields, its text borrowed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHousehold<'a> {
    id: Uuid,
    #[serde(borrow)]
    account_no: Cow<'a, str>,
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow)]
    owner_name: Cow<'a, str>,
    #[serde(borrow)]
    phone: Cow<'a, str>,
    billed_area_m2: f64,
    station_id: Uuid,
    status: HouseholdStatus,
}

/// The fields of [`Household`], so that a field added to it without being added here fails
/// to compile instead of being refused on every page.
#[allow(dead_code)]
fn same_fields(h: Household) -> WireHousehold<'static> {
    let Household { id, account_no, address, owner_name, phone, billed_area_m2, station_id, status } = h;
    WireHousehold {
        id,
        account_no: account_no.into(),
        address: address.into(),
        owner_name: owner_name.into(),
        phone: phone.into(),
        billed_area_m2,
        station_id,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::protocol::{PulledChange, WithdrawnKind};

    fn response() -> PullResponse {
        let mut changes: Vec<Incoming> = demo::stations().into_iter().map(Incoming::Station).collect();
        let mut households: Vec<Household> = demo::households(3, 20).collect();
        households[4].address = "河西区\"友谊路\"\\5号\n2单元".into();
        households[5].owner_name = String::new();
        changes.extend(households.into_iter().map(Incoming::Household));
        changes
            .push(Incoming::Withdrawn(Withdrawn { kind: WithdrawnKind::Household, id: Uuid::from_u128(9) }));
        changes.push(Incoming::WorkOrder(WorkOrderState {
            order: demo::work_order(demo::now()),
            clocks: Default::default(),
        }));
        PullResponse {
            changes: changes
                .into_iter()
                .enumerate()
                .map(|(i, change)| PulledChange { seq: i as u64 + 10, change })
                .collect(),
            next_cursor: 35,
            more: true,
            remaining: Some(7),
        }
    }

    #[test]
    fn a_page_reads_as_the_typed_answer_escapes_and_all() {
        let typed = response();
        let json = serde_json::to_vec(&typed).unwrap();
        let page = PulledPage::parse(&json).unwrap();
        assert_eq!(page, PulledPage::from(typed.clone()));
        assert_eq!((page.next_cursor, page.more, page.remaining, page.len()), (35, true, Some(7), 26));
        for (change, pulled) in page.changes.iter().zip(&typed.changes) {
            match (change, &pulled.change) {
                (Change::Household(at), Incoming::Household(h)) => {
                    assert_eq!(page.household(at), Row::from(h))
                }
                (Change::Other(other), incoming) => assert_eq!(&**other, incoming),
                (change, incoming) => panic!("{change:?} read from {incoming:?}"),
            }
        }
    }

    #[test]
    fn a_page_with_an_unknown_field_or_entity_is_refused() {
        let json = serde_json::to_value(response()).unwrap();
        let mut extra = json.clone();
        extra["changes"][5]["change"]["data"]["floor"] = 3.into();
        assert!(PulledPage::parse(&serde_json::to_vec(&extra).unwrap()).is_err());
        let mut unknown = json.clone();
        unknown["changes"][5]["change"]["entity"] = "payment".into();
        assert!(PulledPage::parse(&serde_json::to_vec(&unknown).unwrap()).is_err());
        let mut missing = json;
        missing["changes"][5]["change"]["data"].as_object_mut().unwrap().remove("phone");
        assert!(PulledPage::parse(&serde_json::to_vec(&missing).unwrap()).is_err());
    }
}
