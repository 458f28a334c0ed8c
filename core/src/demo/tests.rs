//! The demo city reads as Tianjin: stations serve their own districts, estates belong to one
//! road, no two households share a flat, and a seed always gives the same city.

use std::collections::{HashMap, HashSet};

use super::*;

/// An address cut into its parts: 区, road, 号, estate, 号楼, 单元, 室.
#[derive(Debug, PartialEq, Eq, Hash, Clone)]
struct Parts {
    district: String,
    road: String,
    number: u32,
    estate: String,
    building: u32,
    unit: u32,
    room: u32,
}

/// Reads `address` back into its parts, or says what is wrong with it.
fn parts(address: &str) -> Result<Parts, String> {
    let mut rest = address;
    let text_until_digit = |rest: &mut &str| {
        let end = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let (text, tail) = rest.split_at(end);
        *rest = tail;
        text.to_owned()
    };
    let number_then = |rest: &mut &str, word: &str| -> Result<u32, String> {
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n = rest[..end].parse().map_err(|_| format!("no number before {word} in {address}"))?;
        *rest = rest[end..].strip_prefix(word).ok_or_else(|| format!("no {word} in {address}"))?;
        Ok(n)
    };
    let place = text_until_digit(&mut rest);
    let (district, road) =
        place.split_at(place.find('区').ok_or(format!("no 区 in {address}"))? + '区'.len_utf8());
    let number = number_then(&mut rest, "号")?;
    let estate = text_until_digit(&mut rest);
    let building = number_then(&mut rest, "号楼")?;
    let unit = number_then(&mut rest, "单元")?;
    let room = number_then(&mut rest, "室")?;
    if !rest.is_empty() || estate.is_empty() {
        return Err(format!("not an address: {address}"));
    }
    Ok(Parts { district: district.to_owned(), road: road.to_owned(), number, estate, building, unit, room })
}

#[test]
fn an_address_reads_as_a_tianjin_address() {
    for h in households(2026, 2000) {
        let p = parts(&h.address).unwrap();
        assert!(
            p.road.ends_with('路') || p.road.ends_with('道') || p.road.ends_with("大街"),
            "a road: {}",
            h.address
        );
        assert!(p.building >= 1 && p.unit >= 1 && p.room >= 101 && p.room % 100 >= 1, "{}", h.address);
    }
    let first = households(2026, 1).next().unwrap();
    assert!(first.address.starts_with("和平区"), "household 0 is 和平供热站's: {}", first.address);
}

#[test]
fn each_station_serves_only_its_own_districts() {
    let stations = stations();
    let names: HashMap<Uuid, &str> = stations.iter().map(|s| (s.id, s.name.as_str())).collect();
    let expected: HashMap<&str, Vec<&str>> = HashMap::from([
        ("和平供热站", vec!["和平区"]),
        ("河西供热站", vec!["河西区"]),
        ("南开供热站", vec!["南开区", "红桥区"]),
        ("河东供热站", vec!["河东区", "河北区"]),
    ]);
    let mut seen: HashMap<&str, HashSet<String>> = HashMap::new();
    for h in households(11, 20_000) {
        let station = names[&h.station_id];
        let district = parts(&h.address).unwrap().district;
        assert!(expected[station].contains(&district.as_str()), "{station} serves {}", h.address);
        seen.entry(station).or_default().insert(district);
    }
    for (station, districts) in &expected {
        assert_eq!(seen[station].len(), districts.len(), "{station}'s households live in all its districts");
    }
}

#[test]
fn an_estate_lies_on_one_road_and_a_flat_has_one_household() {
    let mut estate_at: HashMap<String, (String, String, u32)> = HashMap::new();
    let mut number_of: HashMap<(String, u32), String> = HashMap::new();
    let mut flats = HashSet::new();
    // The whole 100,000-household city of `make run`: no two households share a flat.
    for h in households(SERVER_SEED, 100_000) {
        let p = parts(&h.address).unwrap();
        let place = (p.district.clone(), p.road.clone(), p.number);
        let first = estate_at.entry(p.estate.clone()).or_insert_with(|| place.clone());
        assert_eq!(*first, place, "{} lies at one address only", p.estate);
        let estate = number_of.entry((p.road.clone(), p.number)).or_insert_with(|| p.estate.clone());
        assert_eq!(*estate, p.estate, "one estate at {}{}号", p.road, p.number);
        assert!(flats.insert(p.clone()), "two households in {}", h.address);
    }
    assert!(estate_at.len() > 100, "a city of many estates, not {}", estate_at.len());
}

/// The seed `hearth-server demo` uses.
const SERVER_SEED: u64 = 2026;

#[test]
fn every_station_has_a_flat_for_each_of_25_000_households() {
    let map = CityMap::tianjin();
    for s in 0..stations().len() {
        assert!(map.flats(s) >= 25_000, "station {s} has {} flats", map.flats(s));
    }
}

#[test]
fn the_same_seed_gives_the_same_city() {
    let a: Vec<Household> = households(7, 500).collect();
    let b: Vec<Household> = households(7, 500).collect();
    assert_eq!(a, b);
    let other: Vec<Household> = households(8, 500).collect();
    assert_ne!(
        a.iter().map(|h| &h.address).collect::<Vec<_>>(),
        other.iter().map(|h| &h.address).collect::<Vec<_>>()
    );
    // Ids and account numbers follow the household's number, whatever the seed.
    assert_eq!(a[5].id, other[5].id);
    assert_eq!(a[5].account_no, "1100000005");
    assert_eq!(a[5].station_id, stations()[1].id);
}
