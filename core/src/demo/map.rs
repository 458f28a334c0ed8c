//! The demo city's map: Tianjin's six central districts, each served by one station, each
//! district with its own roads, each road with its own estates at their own house numbers,
//! each estate with its own buildings. Every flat of a station has an index, so a household
//! can be given a flat no other household of its station has.
//!
//! The map is the same whatever the seed: a seed changes who lives where, not the streets.
//! Invariants: a station's flats lie in its districts only, an estate's name occurs on one
//! road only, and flat indexes map one-to-one onto addresses.

/// The districts each demo station serves, in the order of [`super::stations`], with their
/// roads (real Tianjin roads of that district).
const STATION_DISTRICTS: &[&[(&str, &[&str])]] = &[
    // 和平供热站
    &[(
        "和平区",
        &["南京路", "营口道", "成都道", "重庆道", "大理道", "睦南道", "西康路", "贵州路", "岳阳道", "常德道"],
    )],
    // 河西供热站
    &[(
        "河西区",
        &[
            "友谊路",
            "解放南路",
            "黑牛城道",
            "围堤道",
            "大沽南路",
            "洞庭路",
            "微山路",
            "珠江道",
            "环湖中路",
            "气象台路",
        ],
    )],
    // 南开供热站
    &[
        ("南开区", &["卫津路", "复康路", "白堤路", "鞍山西道", "黄河道", "长江道", "西湖道"]),
        ("红桥区", &["咸阳北路", "芥园道", "西青道", "光荣道", "勤俭道", "湘潭道"]),
    ],
    // 河东供热站
    &[
        ("河东区", &["津塘路", "卫国道", "十一经路", "大桥道", "六纬路", "成林道", "华昌道"]),
        ("河北区", &["中山路", "金钟河大街", "狮子林大街", "建昌道", "昆纬路", "真理道"]),
    ],
];

/// The first half of estate names; with [`ESTATE_ENDINGS`] they make every estate's name.
const ESTATE_STEMS: &[&str] = &[
    "阳光", "金色", "幸福", "和谐", "碧水", "春华", "紫金", "学府", "梅江", "翠堤", "康乐", "丽景", "龙湖",
    "滨江", "华馨", "天华", "云际", "格调", "宁发", "嘉华", "鑫茂", "柳林", "芳草", "玉泉", "宜宾", "体院",
    "万德", "盛达", "枫林", "长泰", "晨光", "永安", "育贤", "锦绣", "安居", "昆仑", "同安", "丰盛", "凤凰",
    "水岸", "秀峰", "福安", "怡然", "兰亭", "松竹", "君悦", "华城", "新都",
];
const ESTATE_ENDINGS: &[&str] = &["花园", "家园", "里", "新村", "公寓", "苑"];

/// How the buildings of an estate are built.
#[derive(Debug, Clone)]
struct Estate {
    name: String,
    district: &'static str,
    road: &'static str,
    /// The estate's house number on its road (南京路128号).
    number: u32,
    buildings: u32,
    units: u32,
    floors: u32,
    flats_per_floor: u32,
}

impl Estate {
    fn flats(&self) -> u32 {
        self.buildings * self.units * self.floors * self.flats_per_floor
    }

    /// Low-rise estates (older 里 and 新村) have smaller flats than towers.
    fn area_range_m2(&self) -> std::ops::Range<u32> {
        if self.floors <= 7 { 45..90 } else { 70..150 }
    }
}

/// A flat's place on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub district: &'static str,
    pub road: &'static str,
    pub number: u32,
    pub estate: &'static str,
    pub building: u32,
    pub unit: u32,
    /// Floor and flat, as on the door: 1502 is the 15th floor's second flat.
    pub room: u32,
}

impl std::fmt::Display for Address {
    /// 和平区南京路128号阳光花园3号楼2单元502室
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}{}号{}{}号楼{}单元{}室",
            self.district, self.road, self.number, self.estate, self.building, self.unit, self.room
        )
    }
}

/// One station's estates and where each one's flats start in the station's flat index.
#[derive(Debug, Clone)]
struct StationArea {
    estates: Vec<Estate>,
    /// `starts[i]` is the index of estate `i`'s first flat; the last entry is the total.
    starts: Vec<u32>,
    /// Steps through the flat index coprime to the total, so consecutive households land
    /// far apart and no two on the same flat.
    stride: u32,
}

/// The whole map: per demo station, its estates.
#[derive(Debug, Clone)]
pub struct CityMap {
    areas: Vec<StationArea>,
}

/// The seed of the map itself: the streets do not change with the households' seed.
const MAP_SEED: u64 = 0x7A11_1E5A;

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl CityMap {
    /// The demo city's map, the same every time; made once per process.
    pub fn tianjin() -> &'static CityMap {
        static MAP: std::sync::OnceLock<CityMap> = std::sync::OnceLock::new();
        MAP.get_or_init(CityMap::build)
    }

    fn build() -> CityMap {
        let mut rng = fastrand::Rng::with_seed(MAP_SEED);
        let pairs = ESTATE_STEMS.len() * ESTATE_ENDINGS.len();
        // A step through the stem × ending pairs coprime to their count, so names never repeat.
        let name_step = (0..).map(|s| 37 + s).find(|&s| gcd(s as u32, pairs as u32) == 1).unwrap_or(1);
        let mut next_name = 0usize;
        let mut areas = Vec::with_capacity(STATION_DISTRICTS.len());
        for districts in STATION_DISTRICTS {
            let mut estates = Vec::new();
            for &(district, roads) in *districts {
                for &road in roads {
                    let mut number = rng.u32(1..20);
                    for _ in 0..rng.u32(3..6) {
                        let k = (next_name * name_step) % pairs;
                        next_name += 1;
                        let stem = ESTATE_STEMS[k % ESTATE_STEMS.len()];
                        let ending = ESTATE_ENDINGS[k / ESTATE_STEMS.len()];
                        let name = format!("{stem}{ending}");
                        let tower = rng.u8(0..3) == 0;
                        estates.push(Estate {
                            name,
                            district,
                            road,
                            number,
                            buildings: if tower { rng.u32(4..12) } else { rng.u32(8..30) },
                            units: rng.u32(2..5),
                            floors: if tower { [11, 18, 26, 33][rng.usize(..4)] } else { rng.u32(5..8) },
                            flats_per_floor: if tower { rng.u32(2..5) } else { 2 },
                        });
                        number += rng.u32(6..60);
                    }
                }
            }
            let mut starts = Vec::with_capacity(estates.len() + 1);
            let mut total = 0u32;
            for e in &estates {
                starts.push(total);
                total += e.flats();
            }
            starts.push(total);
            let stride = (0..).map(|s| 7919 + s).find(|&s| gcd(s, total) == 1).unwrap_or(1);
            areas.push(StationArea { estates, starts, stride });
        }
        CityMap { areas }
    }

    /// The number of flats in station `station`'s districts.
    pub fn flats(&self, station: usize) -> u32 {
        self.areas[station % self.areas.len()].starts.last().copied().unwrap_or(0)
    }

    /// The flat of the `nth` household of station `station`, with `offset` (from the seed)
    /// choosing where the station's households start; and the range its billed area falls in.
    /// Distinct `nth` below [`CityMap::flats`] get distinct flats.
    pub fn flat(&'static self, station: usize, nth: u64, offset: u32) -> (Address, std::ops::Range<u32>) {
        let area = &self.areas[station % self.areas.len()];
        let total = u64::from(area.starts.last().copied().unwrap_or(1).max(1));
        let index = ((nth % total) * u64::from(area.stride) + u64::from(offset)) % total;
        let index = u32::try_from(index).unwrap_or(0);
        let estate_no = area.starts.partition_point(|&s| s <= index) - 1;
        let estate = &area.estates[estate_no];
        let mut rest = index - area.starts[estate_no];
        let flat = rest % estate.flats_per_floor + 1;
        rest /= estate.flats_per_floor;
        let floor = rest % estate.floors + 1;
        rest /= estate.floors;
        let unit = rest % estate.units + 1;
        let building = rest / estate.units + 1;
        let address = Address {
            district: estate.district,
            road: estate.road,
            number: estate.number,
            estate: &estate.name,
            building,
            unit,
            room: floor * 100 + flat,
        };
        (address, estate.area_range_m2())
    }
}
