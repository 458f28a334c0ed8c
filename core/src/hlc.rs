//! The hybrid logical clock (HLC) of a device: orders edits across devices whose wall clocks
//! disagree. A stamp is (wall milliseconds, counter, node); it never goes backwards, even when
//! the wall clock does, because the last stamp is persisted with every write (see
//! `store::clock`) and a new stamp is always greater than the last and than any stamp seen.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One HLC stamp. Ordered by wall time, then counter, then node; the text form sorts the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub node: u64,
}

impl Hlc {
    /// The stamp before every real one.
    pub const ZERO: Hlc = Hlc { wall_ms: 0, counter: 0, node: 0 };
}

impl fmt::Display for Hlc {
    /// Fixed-width hex, so stamps compare correctly as text in SQL and JSON.
    /// (`{:016x}-{:08x}-{:016x}`, written by hand: a first pull stamps 100,000 rows.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn hex(out: &mut [u8], mut v: u64) {
            for b in out.iter_mut().rev() {
                *b = b"0123456789abcdef"[(v & 0xf) as usize];
                v >>= 4;
            }
        }
        let mut text = [b'-'; 42];
        hex(&mut text[..16], self.wall_ms);
        hex(&mut text[17..25], u64::from(self.counter));
        hex(&mut text[26..], self.node);
        // Hex digits and dashes only.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Hlc {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not an HLC stamp: {s:?}");
        let mut parts = s.split('-');
        let mut field = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(bad)
        };
        let wall = field(16)?;
        let counter = field(8)?;
        let node = field(16)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Hlc {
            wall_ms: u64::from_str_radix(wall, 16).map_err(|_| bad())?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| bad())?,
            node: u64::from_str_radix(node, 16).map_err(|_| bad())?,
        })
    }
}

impl TryFrom<String> for Hlc {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Hlc> for String {
    fn from(h: Hlc) -> String {
        h.to_string()
    }
}

/// A device's clock: the last stamp it issued or saw, and its node id.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last: Hlc,
    node: u64,
}

impl HlcClock {
    /// A clock for `node` that continues after `last` (the persisted stamp, if any).
    pub fn new(node: u64, last: Hlc) -> Self {
        HlcClock { last, node }
    }

    /// The last stamp issued or seen.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A stamp for a local edit at wall time `wall_ms`: greater than every stamp before it.
    pub fn tick(&mut self, wall_ms: u64) -> Hlc {
        let next = if wall_ms > self.last.wall_ms {
            Hlc { wall_ms, counter: 0, node: self.node }
        } else {
            self.after(self.last.wall_ms, self.last.counter)
        };
        self.last = next;
        next
    }

    /// Takes in a stamp from another device; the next local stamp will be greater than it.
    pub fn observe(&mut self, remote: Hlc, wall_ms: u64) -> Hlc {
        let wall = wall_ms.max(self.last.wall_ms).max(remote.wall_ms);
        let next = match (wall == self.last.wall_ms, wall == remote.wall_ms) {
            (true, true) => self.after(wall, self.last.counter.max(remote.counter)),
            (true, false) => self.after(wall, self.last.counter),
            (false, true) => self.after(wall, remote.counter),
            (false, false) => Hlc { wall_ms: wall, counter: 0, node: self.node },
        };
        self.last = next;
        next
    }

    /// The stamp right after (`wall_ms`, `counter`); a full counter moves to the next ms.
    fn after(&self, wall_ms: u64, counter: u32) -> Hlc {
        match counter.checked_add(1) {
            Some(counter) => Hlc { wall_ms, counter, node: self.node },
            None => Hlc { wall_ms: wall_ms + 1, counter: 0, node: self.node },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stamp() -> impl Strategy<Value = Hlc> {
        (0u64..1 << 50, any::<u32>(), any::<u64>()).prop_map(|(wall_ms, counter, node)| Hlc {
            wall_ms,
            counter,
            node,
        })
    }

    #[test]
    fn a_wall_clock_jumping_back_does_not_move_the_clock_back() {
        let mut clock = HlcClock::new(7, Hlc::ZERO);
        let a = clock.tick(1_000_000);
        let b = clock.tick(500); // the tablet's clock was reset
        assert!(b > a);
        assert_eq!(b.wall_ms, 1_000_000);
    }

    proptest! {
        #[test]
        fn ticks_strictly_increase_whatever_the_wall_clock_does(
            start in stamp(), walls in proptest::collection::vec(0u64..1 << 50, 1..200)
        ) {
            let mut clock = HlcClock::new(start.node, start);
            let mut prev = start;
            for wall in walls {
                let next = clock.tick(wall);
                prop_assert!(next > prev, "{next} after {prev}");
                prop_assert!(next.wall_ms >= wall);
                prev = next;
            }
        }

        #[test]
        fn observing_a_remote_stamp_moves_past_it(
            start in stamp(), remote in stamp(), wall in 0u64..1 << 50
        ) {
            let mut clock = HlcClock::new(start.node, start);
            let seen = clock.observe(remote, wall);
            prop_assert!(seen > start && seen.wall_ms >= remote.wall_ms);
            prop_assert!((seen.wall_ms, seen.counter) > (remote.wall_ms, remote.counter));
            prop_assert!(clock.tick(wall) > seen);
        }

        #[test]
        fn text_sorts_like_stamps_and_reads_back(a in stamp(), b in stamp()) {
            prop_assert_eq!(a.to_string().parse::<Hlc>(), Ok(a));
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
        }

        #[test]
        fn a_restarted_clock_continues_after_the_persisted_stamp(
            walls in proptest::collection::vec(0u64..1 << 50, 1..50), restart_wall in 0u64..1 << 50
        ) {
            let mut clock = HlcClock::new(1, Hlc::ZERO);
            let last = walls.iter().map(|&w| clock.tick(w)).last().unwrap_or(Hlc::ZERO);
            let mut reopened = HlcClock::new(1, last);
            prop_assert!(reopened.tick(restart_wall) > last);
        }
    }

    #[test]
    fn malformed_stamps_are_refused() {
        for bad in [
            "",
            "1-2-3",
            "000000000000000g-00000000-0000000000000000",
            "0000000000000001-00000000-0000000000000001-",
        ] {
            assert!(bad.parse::<Hlc>().is_err(), "{bad}");
        }
    }
}
