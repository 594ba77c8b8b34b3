//! Benchmark data: `malstyrning demo --scale N` generates N municipalities the size of
//! Värnamo (12 boards, 400 work teams, 60 department goals, 10 000 activities, 200
//! indicators with 10 years of values, follow-ups for 3 years of reporting periods), each in
//! one transaction, in multi-row inserts.
//!
//! The records satisfy every rule the API enforces (references inside the organization, unit
//! kinds, unique numbers and external ids, adopted goals with their decision and revisions),
//! so that they read through every endpoint as if written through it. They bypass the audit
//! trail and the change feed, though: this is a dataset for measuring, not a history.
//!
//! The content comes from a small seeded generator, seeded by the municipality code, so two
//! runs generate the same data, ids included (UUIDv7 from a fixed clock per municipality);
//! only `created_at` and `updated_at` tell when a run took place.

use std::time::Instant;

use chrono::{Duration, NaiveDate};

use crate::db::schema;
use crate::db::types::{Id, JsonDocument, JsonList, TextList, UtcTime};
use crate::db::DbConnection;
use crate::domain::revisions;
use crate::error::{AppError, AppResult};
use crate::store::activities::{Activity, ActivityStatus};
use crate::store::contacts::{Contact, ContactRole};
use crate::store::department_goals::DepartmentGoal;
use crate::store::follow_ups::{Assessment, FollowUp, FollowUpState};
use crate::store::goals::{Goal, GoalState};
use crate::store::indicators::{
    Direction, Indicator, Source, Target, TargetBasis, ToleranceUnit, UpdateFrequency, YearToDate,
};
use crate::store::measurements::{Measurement, MeasurementKind};
use crate::store::organizations::{self, Organization};
use crate::store::perspectives::{Focus, Perspective};
use crate::store::plan_periods::PlanPeriod;
use crate::store::reporting_periods::{
    ReportingPeriod, ReportingPeriodKind, ReportingPeriodStatus,
};
use crate::store::revisions::Revision;
use crate::store::units::{Unit, UnitKind};
use crate::store::visions::Vision;
use crate::store::Tx;

/// How much one generated municipality holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Boards (nämnder), each with its administration and operational units.
    pub boards: usize,
    /// Work teams, spread over the operational units by how large their activity is.
    pub teams: usize,
    /// Adopted overarching goals.
    pub goals: usize,
    /// Adopted department goals, spread over the boards; one draft more per fifteen.
    pub department_goals: usize,
    /// Activities, spread evenly over the teams.
    pub activities: usize,
    /// Indicators: three per overarching goal, the rest on adopted department goals.
    pub indicators: usize,
    /// Years of measurements per indicator, up to 2025 (some missing, a few absent).
    pub years: usize,
}

impl Size {
    /// Värnamo's size: what `demo --scale N` generates per municipality.
    pub const MUNICIPALITY: Size = Size {
        boards: 12,
        teams: 400,
        goals: 8,
        department_goals: 60,
        activities: 10_000,
        indicators: 200,
        years: 10,
    };

    /// The draft department goals generated besides the adopted ones.
    pub fn draft_department_goals(&self) -> usize {
        self.department_goals / 15
    }
}

/// The municipality codes generated: county part 30 and up (no real county has it, so the
/// codes clash neither with the demo's 0683 nor with real municipalities), 01–99 within.
pub fn municipality_code(index: usize) -> String {
    format!("{:02}{:02}", 30 + index / 99, 1 + index % 99)
}

/// How many municipalities the codes allow.
pub const MAX_MUNICIPALITIES: usize = 70 * 99;

const PREFIXES: [&str; 20] = [
    "Al", "Björk", "Ek", "Fors", "Gran", "Hag", "Lind", "Sjö", "Sten", "Ulv", "Vall", "Ås", "Berg",
    "Dal", "Strand", "Hol", "Mal", "Norr", "Öster", "Väster",
];
const SUFFIXES: [&str; 15] = [
    "by", "köping", "sund", "vik", "holm", "hult", "torp", "näs", "ryd", "stad", "berga", "tuna",
    "hamra", "målen", "lunda",
];

/// A Swedish-looking, invented name for the municipality of `index` ("Ekhult kommun").
pub fn municipality_name(index: usize) -> String {
    let (p, s) = (PREFIXES.len(), SUFFIXES.len());
    let base = format!("{}{}", PREFIXES[index % p], SUFFIXES[(index / p) % s]);
    match index / (p * s) {
        0 => format!("{base} kommun"),
        round => format!("{base} {} kommun", round + 1),
    }
}

/// Rows written, per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub organizations: usize,
    pub units: usize,
    pub plan_periods: usize,
    pub reporting_periods: usize,
    pub visions: usize,
    pub perspectives: usize,
    pub goals: usize,
    pub department_goals: usize,
    pub indicators: usize,
    pub measurements: usize,
    pub activities: usize,
    pub follow_ups: usize,
    pub contacts: usize,
    pub revisions: usize,
}

impl Counts {
    fn fields(&self) -> [(&'static str, usize); 14] {
        [
            ("organizations", self.organizations),
            ("units", self.units),
            ("plan periods", self.plan_periods),
            ("reporting periods", self.reporting_periods),
            ("visions", self.visions),
            ("perspectives", self.perspectives),
            ("goals", self.goals),
            ("department goals", self.department_goals),
            ("indicators", self.indicators),
            ("measurements", self.measurements),
            ("activities", self.activities),
            ("follow-ups", self.follow_ups),
            ("contacts", self.contacts),
            ("revisions", self.revisions),
        ]
    }

    pub fn total(&self) -> usize {
        self.fields().iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, other: &Counts) {
        self.organizations += other.organizations;
        self.units += other.units;
        self.plan_periods += other.plan_periods;
        self.reporting_periods += other.reporting_periods;
        self.visions += other.visions;
        self.perspectives += other.perspectives;
        self.goals += other.goals;
        self.department_goals += other.department_goals;
        self.indicators += other.indicators;
        self.measurements += other.measurements;
        self.activities += other.activities;
        self.follow_ups += other.follow_ups;
        self.contacts += other.contacts;
        self.revisions += other.revisions;
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .fields()
            .iter()
            .map(|(name, n)| format!("{n} {name}"))
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// The municipality codes generated.
    pub created: Vec<String>,
    /// The municipality codes already present, left as they were.
    pub skipped: Vec<String>,
    pub counts: Counts,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = self.counts.total() as f64 / self.seconds.max(0.001);
        writeln!(
            f,
            "generated {} municipalities ({} already present, skipped) in {:.1} s: {} rows ({rate:.0} rows/s)",
            self.created.len(),
            self.skipped.len(),
            self.seconds,
            self.counts.total()
        )?;
        write!(f, "{}", self.counts)
    }
}

/// Generates the first `count` municipalities of the sequence (codes 3001, 3002, …) that are
/// not in the database yet, each in one transaction; `progress` hears of each one.
pub fn generate(
    conn: &mut DbConnection,
    count: usize,
    size: &Size,
    mut progress: impl FnMut(&str),
) -> AppResult<Summary> {
    if count > MAX_MUNICIPALITIES {
        return Err(AppError::BadRequest {
            detail: format!("at most {MAX_MUNICIPALITIES} municipalities can be generated"),
            errors: Vec::new(),
        });
    }
    let started = Instant::now();
    let mut summary = Summary::default();
    for index in 0..count {
        let code = municipality_code(index);
        let label = format!("[{}/{count}] {code}", index + 1);
        if let Some(existing) = organizations::find_by_code(conn, &code)? {
            progress(&format!("{label} {}: present, skipped", existing.name));
            summary.skipped.push(code);
            continue;
        }
        let one = Instant::now();
        let rows = Municipality::new(index, size, UtcTime::now()).build()?;
        let counts = Tx::new(conn).savepoint(|tx| rows.insert(tx))?;
        progress(&format!(
            "{label} {}: {} rows in {:.2} s",
            rows.organization.name,
            counts.total(),
            one.elapsed().as_secs_f64()
        ));
        summary.counts.add(&counts);
        summary.created.push(code);
    }
    if !summary.created.is_empty() {
        crate::db::refresh_statistics(conn)?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// SplitMix64: small, fast and good enough for varied test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < `bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next() % bound as u64) as usize
        }
    }

    /// 0 ≤ x < 1.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn day_between(&mut self, first: NaiveDate, last: NaiveDate) -> NaiveDate {
        let span = (last - first).num_days().max(0) as usize;
        first + Duration::days(self.below(span + 1) as i64)
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn at(day: NaiveDate, hour: u32) -> UtcTime {
    UtcTime(day.and_hms_opt(hour, 0, 0).unwrap_or_default())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The plan period and the years the data describes; activities and follow-ups stand as they
/// did on `REFERENCE_DAY`.
const PLAN_START: i32 = 2023;
const PLAN_END: i32 = 2026;
const FOLLOW_UP_YEARS: [i32; 3] = [2023, 2024, 2025];
const LAST_MEASURED_YEAR: i32 = 2025;
const REFERENCE_DAY: (i32, u32, u32) = (2026, 10, 31);
/// Who generated the records, where a record names who wrote it.
const GENERATOR: &str = "scale-generator";
const GENERATOR_NAME: &str = "Genererade testdata";
/// A board of the generated municipality: its name and short code, its administration, the
/// operational units below that (name, code, share of the teams), whom it serves and its
/// teams' responsible roles.
struct BoardSpec {
    name: &'static str,
    code: &'static str,
    administration: &'static str,
    administration_code: &'static str,
    units: &'static [(&'static str, &'static str, usize)],
    group: &'static str,
}

const BOARDS: [BoardSpec; 12] = [
    BoardSpec {
        name: "Barn- och utbildningsnämnden",
        code: "BUN",
        administration: "Barn- och utbildningsförvaltningen",
        administration_code: "Buf",
        units: &[
            ("Förskolan", "FSK", 40),
            ("Grundskolan F–6", "GRF6", 40),
            ("Grundskolan 7–9", "GR79", 20),
            ("Fritidshemmen", "FRI", 12),
            ("Elevhälsan", "EH", 4),
        ],
        group: "Barn och elever",
    },
    BoardSpec {
        name: "Omsorgsnämnden",
        code: "ON",
        administration: "Omsorgsförvaltningen",
        administration_code: "Oms",
        units: &[
            ("Hemtjänsten", "HT", 40),
            ("Särskilt boende", "SÄBO", 40),
            ("Funktionsstöd", "FS", 20),
            ("Hälso- och sjukvård", "HSV", 8),
        ],
        group: "Brukarna",
    },
    BoardSpec {
        name: "Socialnämnden",
        code: "SN",
        administration: "Socialförvaltningen",
        administration_code: "Soc",
        units: &[
            ("Barn och familj", "BoF", 8),
            ("Vuxen och missbruk", "VoM", 6),
            ("Ekonomiskt bistånd", "EB", 4),
        ],
        group: "Klienterna",
    },
    BoardSpec {
        name: "Gymnasie- och vuxenutbildningsnämnden",
        code: "GVN",
        administration: "Gymnasie- och vuxenutbildningsförvaltningen",
        administration_code: "Gvf",
        units: &[
            ("Gymnasieskolan", "GY", 16),
            ("Vuxenutbildningen", "VUX", 5),
            ("Svenska för invandrare", "SFI", 3),
        ],
        group: "Eleverna",
    },
    BoardSpec {
        name: "Kultur- och fritidsnämnden",
        code: "KFN",
        administration: "Kultur- och fritidsförvaltningen",
        administration_code: "Kof",
        units: &[
            ("Biblioteken", "BIB", 5),
            ("Fritidsgårdarna", "FG", 4),
            ("Idrottsanläggningarna", "IDR", 4),
            ("Kulturskolan", "KS", 3),
        ],
        group: "Besökarna",
    },
    BoardSpec {
        name: "Tekniska nämnden",
        code: "TN",
        administration: "Tekniska förvaltningen",
        administration_code: "Tkf",
        units: &[
            ("Gata/park", "GP", 8),
            ("Fastighet", "FAST", 6),
            ("Kost", "KOST", 12),
            ("Lokalvård", "LV", 10),
        ],
        group: "Invånarna",
    },
    BoardSpec {
        name: "Miljö- och byggnadsnämnden",
        code: "MBN",
        administration: "Miljö- och byggförvaltningen",
        administration_code: "Mbf",
        units: &[("Miljöenheten", "MILJ", 3), ("Byggenheten", "BYGG", 3)],
        group: "Företagen och invånarna",
    },
    BoardSpec {
        name: "Räddningsnämnden",
        code: "RN",
        administration: "Räddningstjänsten",
        administration_code: "Rtj",
        units: &[("Utryckning", "UTR", 6), ("Förebyggande", "FÖR", 2)],
        group: "Invånarna",
    },
    BoardSpec {
        name: "Arbetsmarknadsnämnden",
        code: "AMN",
        administration: "Arbetsmarknadsförvaltningen",
        administration_code: "Amf",
        units: &[
            ("Arbetsmarknadsenheten", "AME", 5),
            ("Integration", "INT", 3),
        ],
        group: "Deltagarna",
    },
    BoardSpec {
        name: "Samhällsbyggnadsnämnden",
        code: "SBN",
        administration: "Samhällsbyggnadsförvaltningen",
        administration_code: "Sbf",
        units: &[
            ("Planenheten", "PLAN", 2),
            ("Mark och exploatering", "MEX", 2),
        ],
        group: "Företagen och invånarna",
    },
    BoardSpec {
        name: "Vatten- och avfallsnämnden",
        code: "VAN",
        administration: "Vatten- och avfallsförvaltningen",
        administration_code: "Vaf",
        units: &[
            ("Vatten och avlopp", "VA", 5),
            ("Avfall och återvinning", "AVF", 4),
        ],
        group: "Abonnenterna",
    },
    BoardSpec {
        name: "Överförmyndarnämnden",
        code: "ÖFN",
        administration: "Överförmyndarkansliet",
        administration_code: "Öfk",
        units: &[("Handläggning", "HDL", 2)],
        group: "Huvudmännen",
    },
];

/// The units of the council's own office (kommunledningskontoret), which has teams too.
const OFFICE_UNITS: [(&str, &str, usize); 3] = [
    ("Ekonomiavdelningen", "EK", 3),
    ("HR-avdelningen", "HR", 3),
    ("Kansliavdelningen", "KANS", 2),
];

const DISTRICTS: [&str; 6] = ["Centrum", "Norr", "Söder", "Öster", "Väster", "Bruket"];

/// What a perspective is about: its goals and indicators are drawn from its theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Theme {
    Citizens,
    Economy,
    Staff,
    Environment,
}

#[rustfmt::skip]
const GOALS: [(Theme, &str); 16] = [
    (Theme::Citizens, "Invånarna i {name} ska känna sig trygga."),
    (Theme::Citizens, "Medborgarna ska uppleva att {name} är en attraktiv kommun att leva och bo i."),
    (Theme::Citizens, "Alla barn och unga ska ges goda förutsättningar att lyckas i skolan."),
    (Theme::Citizens, "Äldre ska kunna leva ett självständigt liv med god service."),
    (Theme::Citizens, "Näringslivet i {name} ska uppleva ett gott företagsklimat."),
    (Theme::Economy, "Årets resultat ska uppgå till minst 2 % av skatteintäkter och generella statsbidrag."),
    (Theme::Economy, "Investeringarna ska i sin helhet självfinansieras under perioden."),
    (Theme::Economy, "Verksamheterna ska bedrivas inom given budgetram."),
    (Theme::Staff, "Medarbetarna ska vara nöjda med sin arbetssituation."),
    (Theme::Staff, "{name} ska vara en attraktiv arbetsgivare med friska medarbetare."),
    (Theme::Staff, "Medarbetarna ska vara delaktiga i verksamhetens utveckling."),
    (Theme::Environment, "Utsläppen av växthusgaser i {name} ska minska med minst 50 % till 2030 jämfört med 2010."),
    (Theme::Environment, "Invånarna och medarbetarna ska vara nöjda med kommunens miljöarbete."),
    (Theme::Environment, "Kommunens egna verksamheter ska vara fossilfria."),
    (Theme::Environment, "Den biologiska mångfalden ska värnas och utvecklas."),
    (Theme::Citizens, "Invånarna ska ha god tillgång till kultur och fritid."),
];

const DEPARTMENT_GOALS: [&str; 12] = [
    "{group} ska känna sig trygga med verksamheten.",
    "{group} ska vara nöjda med bemötandet.",
    "{group} ska få information och beslut i rätt tid.",
    "{group} ska ha inflytande över verksamheten.",
    "Verksamheten ska hålla budget och använda resurserna effektivt.",
    "Medarbetarna ska vara delaktiga i planeringen på arbetsplatsträffarna.",
    "Sjukfrånvaron bland medarbetarna ska minska.",
    "Verksamhetens klimatpåverkan ska minska.",
    "Handläggningstiderna ska bli kortare.",
    "Andelen förnybar energi i verksamheten ska öka.",
    "{group} ska uppleva att verksamheten håller god kvalitet.",
    "Verksamheten ska vara tillgänglig för alla.",
];

/// An indicator template: name, unit, direction, the range its first value is drawn from,
/// its yearly drift, the Kolada KPI it comes from (if any), whether a survey measures it and
/// whether it is broken down by gender.
struct IndicatorSpec {
    theme: Theme,
    name: &'static str,
    unit: &'static str,
    direction: Direction,
    start: (f64, f64),
    drift: f64,
    kolada: Option<&'static str>,
    survey: bool,
    by_gender: bool,
}

const fn indicator(
    theme: Theme,
    name: &'static str,
    unit: &'static str,
    direction: Direction,
    start: (f64, f64),
    drift: f64,
) -> IndicatorSpec {
    IndicatorSpec {
        theme,
        name,
        unit,
        direction,
        start,
        drift,
        kolada: None,
        survey: false,
        by_gender: false,
    }
}

const HIGHER: Direction = Direction::HigherIsBetter;
const LOWER: Direction = Direction::LowerIsBetter;

/// Survey-measured, and broken down by gender.
const fn survey(spec: IndicatorSpec, by_gender: bool) -> IndicatorSpec {
    IndicatorSpec {
        survey: true,
        by_gender,
        ..spec
    }
}

const fn kolada(spec: IndicatorSpec, kpi: &'static str) -> IndicatorSpec {
    IndicatorSpec {
        kolada: Some(kpi),
        ..spec
    }
}

#[rustfmt::skip]
const INDICATORS: [IndicatorSpec; 18] = [
    survey(indicator(Theme::Citizens, "Andel invånare som känner sig trygga i sitt bostadsområde", "%", HIGHER, (55.0, 80.0), 0.5), true),
    survey(indicator(Theme::Citizens, "Nöjd-Region-Index (SCB:s medborgarundersökning)", "index 0–100", HIGHER, (50.0, 65.0), 0.3), false),
    survey(indicator(Theme::Citizens, "Nöjd-Medborgar-Index för kommunens verksamheter", "index 0–100", HIGHER, (50.0, 62.0), 0.3), false),
    survey(indicator(Theme::Citizens, "Andel brukare som är nöjda med bemötandet", "%", HIGHER, (75.0, 92.0), 0.3), true),
    indicator(Theme::Citizens, "Andel ärenden besvarade inom två arbetsdagar", "%", HIGHER, (60.0, 90.0), 1.0),
    indicator(Theme::Citizens, "Handläggningstid från ansökan till beslut", "dagar", LOWER, (20.0, 60.0), -0.8),
    kolada(indicator(Theme::Economy, "Årets resultat som andel av skatteintäkter och generella statsbidrag", "%", HIGHER, (0.5, 4.0), 0.0), "N03101"),
    indicator(Theme::Economy, "Självfinansieringsgrad av investeringar", "%", HIGHER, (60.0, 110.0), 0.0),
    indicator(Theme::Economy, "Budgetavvikelse, andel av nettokostnaden", "%", Direction::TargetRange, (-2.0, 2.0), 0.0),
    indicator(Theme::Economy, "Nettokostnadsavvikelse mot referenskostnad", "%", LOWER, (-3.0, 6.0), -0.2),
    survey(indicator(Theme::Staff, "Hållbart medarbetarengagemang (HME)", "index 0–100", HIGHER, (72.0, 84.0), 0.3), true),
    IndicatorSpec { by_gender: true, ..indicator(Theme::Staff, "Sjukfrånvaro bland medarbetarna", "%", LOWER, (5.0, 9.0), -0.1) },
    indicator(Theme::Staff, "Andel medarbetare som haft utvecklingssamtal", "%", HIGHER, (70.0, 95.0), 0.5),
    kolada(indicator(Theme::Environment, "Utsläpp till luft av växthusgaser, totalt", "ton CO2-ekv/invånare", LOWER, (3.0, 8.0), -0.2), "N00401"),
    indicator(Theme::Environment, "Andel förnybara drivmedel i kommunens fordon", "%", HIGHER, (20.0, 60.0), 3.0),
    indicator(Theme::Environment, "Energianvändning i kommunens lokaler", "kWh/m²", LOWER, (120.0, 180.0), -2.0),
    indicator(Theme::Environment, "Andel ekologiska livsmedel i måltidsverksamheten", "%", HIGHER, (20.0, 45.0), 1.0),
    survey(indicator(Theme::Environment, "Andel invånare nöjda med kommunens miljöarbete", "%", HIGHER, (55.0, 75.0), 0.4), false),
];

const ACTIONS: [&str; 12] = [
    "Gå igenom",
    "Kartlägga",
    "Utvärdera",
    "Ta fram",
    "Följa upp",
    "Införa",
    "Planera",
    "Diskutera på APT",
    "Revidera",
    "Informera om",
    "Samordna",
    "Pröva",
];
const OBJECTS: [&str; 25] = [
    "rutinerna för bemötande",
    "brukarnas synpunkter",
    "arbetsmiljön i arbetslaget",
    "en gemensam mall för dokumentation",
    "rutinerna för avvikelser",
    "energianvändningen i lokalerna",
    "resorna i tjänsten",
    "introduktionen av nyanställda",
    "schemaläggningen",
    "kompetensutvecklingsplanen",
    "samverkan med vårdnadshavare",
    "tillgängligheten på webben",
    "inköpen av förbrukningsmaterial",
    "källsorteringen",
    "rutinerna för sjukfrånvaro",
    "handläggningstiderna",
    "kvalitetsuppföljningen",
    "informationen till invånarna",
    "budgetuppföljningen per månad",
    "trygghetsvandringar",
    "målen på varje arbetsplatsträff",
    "krisberedskapen",
    "digitala möten i stället för resor",
    "öppettiderna",
    "brukarundersökningens resultat",
];
const RESPONSIBLE: [&str; 8] = [
    "Arbetslagsledaren",
    "Enhetschefen",
    "Hela arbetslaget",
    "Samordnaren",
    "Kvalitetsombudet",
    "Skyddsombudet",
    "Miljöombudet",
    "Verksamhetsutvecklaren",
];
const FIRST_NAMES: [&str; 12] = [
    "Anna", "Erik", "Karin", "Lars", "Maria", "Olof", "Sara", "Per", "Eva", "Jonas", "Lena",
    "Johan",
];
/// Invented surnames: the people are fictional.
const SURNAMES: [&str; 10] = [
    "Exempelsson",
    "Provström",
    "Testberg",
    "Påhittad",
    "Fiktiv",
    "Demosson",
    "Låtsasson",
    "Modellgren",
    "Mallberg",
    "Skissén",
];
const ANALYSES: [&str; 6] = [
    "Utvecklingen går åt rätt håll; de flesta aktiviteterna är genomförda.",
    "Resultatet ligger nära målet. Arbetet har försenats av vakanser under våren.",
    "Målet nås inte. Analysen visar att insatserna kommit i gång för sent under året.",
    "Indikatorerna visar en tydlig förbättring jämfört med föregående år.",
    "Resultatet varierar mellan enheterna; de bästa arbetssätten sprids nu.",
    "Underlaget är ännu ofullständigt; bedömningen görs vid nästa uppföljning.",
];
const MEASURES: [&str; 4] = [
    "Målen blir en stående punkt på varje arbetsplatsträff.",
    "En handlingsplan tas fram tillsammans med enhetscheferna.",
    "Uppföljningen görs månadsvis i stället för per tertial.",
    "Resurser omfördelas till de enheter som har störst avvikelse.",
];

/// One municipality's rows, built in memory before they are written.
struct Municipality {
    rng: Rng,
    /// The clock of its ids: one millisecond per record from a fixed start.
    clock: u64,
    id_rng: Rng,
    size: Size,
    now: UtcTime,
    code: String,
    name: String,
    organization: Organization,
    units: Vec<Unit>,
    plan_periods: Vec<PlanPeriod>,
    reporting_periods: Vec<ReportingPeriod>,
    visions: Vec<Vision>,
    perspectives: Vec<Perspective>,
    goals: Vec<Goal>,
    department_goals: Vec<DepartmentGoal>,
    indicators: Vec<Indicator>,
    measurements: Vec<Measurement>,
    activities: Vec<Activity>,
    follow_ups: Vec<FollowUp>,
    contacts: Vec<Contact>,
    revisions: Vec<Revision>,
}

/// The units the rest of the model refers to.
struct Tree {
    kf: Id,
    ks: Id,
    office: Id,
    /// Per board: the board and its administration.
    boards: Vec<(Id, Id)>,
    /// Every team with the index of its board (none for the council's office).
    teams: Vec<(Id, Option<usize>)>,
}

impl Municipality {
    fn new(index: usize, size: &Size, now: UtcTime) -> Municipality {
        let code = municipality_code(index);
        let name = municipality_name(index);
        let seed: u64 = code.parse().unwrap_or(index as u64);
        // 2026-01-01 plus 2^20 ms (17 minutes) per municipality: room for a million ids each.
        let clock = 1_767_225_600_000 + ((index as u64) << 20);
        let mut id_rng = Rng::new(seed ^ 0x5EED);
        let org_id = make_id(&mut id_rng, clock);
        Municipality {
            rng: Rng::new(seed),
            clock: clock + 1,
            id_rng,
            size: *size,
            now,
            organization: Organization {
                id: org_id,
                name: name.clone(),
                municipality_code: code.clone(),
                external_id: Some(format!("scale-{code}")),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
            code,
            name,
            units: Vec::new(),
            plan_periods: Vec::new(),
            reporting_periods: Vec::new(),
            visions: Vec::new(),
            perspectives: Vec::new(),
            goals: Vec::new(),
            department_goals: Vec::new(),
            indicators: Vec::new(),
            measurements: Vec::new(),
            activities: Vec::new(),
            follow_ups: Vec::new(),
            contacts: Vec::new(),
            revisions: Vec::new(),
        }
    }

    fn id(&mut self) -> Id {
        let id = make_id(&mut self.id_rng, self.clock);
        self.clock += 1;
        id
    }

    fn org(&self) -> Id {
        self.organization.id.clone()
    }

    fn build(mut self) -> AppResult<Municipality> {
        let tree = self.build_units();
        let plan_period = self.build_periods();
        self.build_vision(&plan_period, &tree)?;
        let themes = self.build_perspectives(&plan_period);
        self.build_goals(&plan_period, &tree, &themes)?;
        self.build_department_goals(&plan_period, &tree)?;
        self.build_indicators(&tree, &themes)?;
        self.build_activities(&tree);
        self.build_follow_ups(&tree);
        self.build_contacts(&tree);
        Ok(self)
    }

    fn unit(&mut self, parent: Option<&Id>, kind: UnitKind, name: String, code: String) -> Id {
        let id = self.id();
        let n = self.units.len() + 1;
        self.units.push(Unit {
            id: id.clone(),
            organization_id: self.org(),
            parent_id: parent.cloned(),
            kind,
            name,
            short_code: Some(code),
            external_id: Some(format!("scale-unit-{n}")),
            archived_at: None,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
        });
        id
    }

    /// Municipality, KF and KS with the council's office, the boards with their
    /// administrations and operational units, and the teams spread over the units by weight.
    fn build_units(&mut self) -> Tree {
        let kommun = self.unit(
            None,
            UnitKind::Municipality,
            self.name.clone(),
            format!("K{}", self.code),
        );
        let kf = self.unit(
            Some(&kommun),
            UnitKind::Council,
            "Kommunfullmäktige".into(),
            "KF".into(),
        );
        let ks = self.unit(
            Some(&kommun),
            UnitKind::Council,
            "Kommunstyrelsen".into(),
            "KS".into(),
        );
        let office = self.unit(
            Some(&ks),
            UnitKind::Administration,
            "Kommunledningskontoret".into(),
            "Klk".into(),
        );
        // (unit, its code, weight, board index)
        let mut operational: Vec<(Id, String, String, usize, Option<usize>)> = Vec::new();
        for (name, code, weight) in OFFICE_UNITS {
            let id = self.unit(
                Some(&office),
                UnitKind::Unit,
                name.into(),
                format!("Klk-{code}"),
            );
            operational.push((id, name.into(), code.into(), weight, None));
        }
        let mut boards = Vec::new();
        for b in 0..self.size.boards {
            let spec = &BOARDS[b % BOARDS.len()];
            let round = b / BOARDS.len();
            let (suffix, code_suffix) = match round {
                0 => (String::new(), String::new()),
                r => (format!(" {}", r + 1), format!("{}", r + 1)),
            };
            let board = self.unit(
                Some(&kommun),
                UnitKind::Board,
                format!("{}{suffix}", spec.name),
                format!("{}{code_suffix}", spec.code),
            );
            let administration = self.unit(
                Some(&board),
                UnitKind::Administration,
                format!("{}{suffix}", spec.administration),
                format!("{}{code_suffix}", spec.administration_code),
            );
            for (name, code, weight) in spec.units {
                let id = self.unit(
                    Some(&administration),
                    UnitKind::Unit,
                    (*name).into(),
                    format!("{}{code_suffix}-{code}", spec.administration_code),
                );
                operational.push((
                    id,
                    (*name).into(),
                    format!("{code}{code_suffix}"),
                    *weight,
                    Some(b),
                ));
            }
            boards.push((board, administration));
        }
        // Largest remainders: the teams add up to exactly `size.teams`.
        let total: usize = operational.iter().map(|o| o.3).sum::<usize>().max(1);
        let mut shares: Vec<(usize, usize, usize)> = operational
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let exact = self.size.teams * o.3;
                (i, exact / total, exact % total)
            })
            .collect();
        let assigned: usize = shares.iter().map(|s| s.1).sum();
        let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
        by_remainder.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
        for i in by_remainder
            .into_iter()
            .take(self.size.teams.saturating_sub(assigned))
        {
            shares[i].1 += 1;
        }
        let mut teams = Vec::new();
        for (i, count, _) in shares {
            let (parent, name, code, _, board) = operational[i].clone();
            for k in 0..count {
                let district = DISTRICTS[k % DISTRICTS.len()];
                let id = self.unit(
                    Some(&parent),
                    UnitKind::Team,
                    format!("{name} {district}, arbetslag {}", k / DISTRICTS.len() + 1),
                    format!("{code}-{:03}", k + 1),
                );
                teams.push((id, board));
            }
        }
        Tree {
            kf,
            ks,
            office,
            boards,
            teams,
        }
    }

    /// The plan period 2023–2026 and, for 2023–2025, the first tertial, the interim report
    /// and the annual report; those of 2023 and 2024 are closed.
    fn build_periods(&mut self) -> Id {
        let plan_period = self.id();
        self.plan_periods.push(PlanPeriod {
            id: plan_period.clone(),
            organization_id: self.org(),
            name: format!("Mandatperioden {PLAN_START}–{PLAN_END}"),
            start_date: date(PLAN_START, 1, 1),
            end_date: date(PLAN_END, 12, 31),
            external_id: Some(format!("scale-mandatperiod-{PLAN_START}-{PLAN_END}")),
            archived_at: None,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
        });
        for year in FOLLOW_UP_YEARS {
            let status = if year < 2025 {
                ReportingPeriodStatus::Closed
            } else {
                ReportingPeriodStatus::Open
            };
            for (kind, name, end, deadline, key) in [
                (
                    ReportingPeriodKind::Tertial,
                    format!("Tertial 1 {year}"),
                    date(year, 4, 30),
                    date(year, 5, 31),
                    "t1",
                ),
                (
                    ReportingPeriodKind::InterimReport,
                    format!("Delårsrapport {year}"),
                    date(year, 8, 31),
                    date(year, 9, 30),
                    "delar",
                ),
                (
                    ReportingPeriodKind::AnnualReport,
                    format!("Årsredovisning {year}"),
                    date(year, 12, 31),
                    date(year + 1, 2, 28),
                    "ar",
                ),
            ] {
                let id = self.id();
                self.reporting_periods.push(ReportingPeriod {
                    id,
                    organization_id: self.org(),
                    plan_period_id: plan_period.clone(),
                    kind,
                    name,
                    start_date: date(year, 1, 1),
                    end_date: end,
                    follow_up_deadline: Some(deadline),
                    status,
                    external_id: Some(format!("scale-{key}-{year}")),
                    archived_at: None,
                    created_at: self.now,
                    updated_at: self.now,
                    version: 1,
                });
            }
        }
        plan_period
    }

    /// The first revision of an adopted record, in force from its decision.
    fn first_revision<R: revisions::Revised>(
        &mut self,
        entity: &R,
        reference: &str,
        on: NaiveDate,
        body: &Id,
        valid_to: Option<NaiveDate>,
    ) -> AppResult<()> {
        self.revision(entity, 1, Vec::new(), (None, reference, on, body), valid_to)
    }

    fn revision<R: revisions::Revised>(
        &mut self,
        entity: &R,
        number: i32,
        changes: Vec<serde_json::Value>,
        (reason, reference, on, body): (Option<&str>, &str, NaiveDate, &Id),
        valid_to: Option<NaiveDate>,
    ) -> AppResult<()> {
        let internal = |e: serde_json::Error| AppError::Internal(e.to_string());
        let id = self.id();
        self.revisions.push(Revision {
            id,
            organization_id: self.org(),
            entity_type: R::ENTITY.into(),
            entity_id: entity.id().clone(),
            number,
            valid_from: on,
            valid_to,
            snapshot: JsonDocument::of(entity).map_err(internal)?,
            changes: JsonDocument::of(&serde_json::Value::Array(changes)).map_err(internal)?,
            reason: reason.map(str::to_string),
            decision_reference: reference.into(),
            decided_on: on,
            decided_by_unit_id: body.clone(),
            actor_subject: GENERATOR.into(),
            actor_name: Some(GENERATOR_NAME.into()),
            created_at: self.now,
        });
        Ok(())
    }

    fn build_vision(&mut self, plan_period: &Id, tree: &Tree) -> AppResult<()> {
        const SLOGANS: [&str; 4] = [
            "den mänskliga tillväxtkommunen",
            "där framtiden växer",
            "nära till allt",
            "en plats att leva, verka och växa i",
        ];
        let slogan = *self.rng.pick(&SLOGANS);
        let reference = format!("KF {PLAN_START}-01-26 § {}", 5 + self.rng.below(20));
        let vision = Vision {
            id: self.id(),
            organization_id: self.org(),
            plan_period_id: plan_period.clone(),
            vision: format!("{} – {slogan}.", self.name.trim_end_matches(" kommun")),
            purpose: format!(
                "{} ska på invånarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet.",
                self.name
            ),
            decision_reference: Some(reference.clone()),
            decided_on: Some(date(PLAN_START, 1, 26)),
            decided_by_unit_id: Some(tree.kf.clone()),
            state: GoalState::Adopted,
            predecessor_id: None,
            external_id: Some(format!("scale-vision-{PLAN_START}-{PLAN_END}")),
            archived_at: None,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
        };
        self.first_revision(&vision, &reference, date(PLAN_START, 1, 26), &tree.kf, None)?;
        self.visions.push(vision);
        Ok(())
    }

    /// Three or four perspectives; returns the theme(s) of each.
    fn build_perspectives(&mut self, plan_period: &Id) -> Vec<Vec<Theme>> {
        let four = self.rng.chance(0.5);
        let specs: Vec<(&str, &str, Focus, Vec<Theme>)> = if four {
            vec![
                (
                    "Medborgare och brukare",
                    "Mål för invånarna och kunderna.",
                    Focus::External,
                    vec![Theme::Citizens],
                ),
                (
                    "Ekonomi",
                    "Mål för en god ekonomisk hushållning.",
                    Focus::Internal,
                    vec![Theme::Economy],
                ),
                (
                    "Medarbetare",
                    "Mål för medarbetarna och arbetsmiljön.",
                    Focus::Internal,
                    vec![Theme::Staff],
                ),
                (
                    "Miljö och klimat",
                    "Mål för miljön, externt och internt.",
                    Focus::Both,
                    vec![Theme::Environment],
                ),
            ]
        } else {
            vec![
                (
                    "Medborgar/kundmål",
                    "Mål för invånarna och kunderna (externt).",
                    Focus::External,
                    vec![Theme::Citizens],
                ),
                (
                    "Resursmål – Ekonomi och Personal",
                    "Mål för ekonomin och medarbetarna (internt).",
                    Focus::Internal,
                    vec![Theme::Economy, Theme::Staff],
                ),
                (
                    "Miljö",
                    "Mål för miljön (externt och internt).",
                    Focus::Both,
                    vec![Theme::Environment],
                ),
            ]
        };
        let mut themes = Vec::new();
        for (position, (name, description, focus, theme)) in specs.into_iter().enumerate() {
            let id = self.id();
            self.perspectives.push(Perspective {
                id,
                organization_id: self.org(),
                plan_period_id: plan_period.clone(),
                name: name.into(),
                description: Some(description.into()),
                focus,
                position: position as i32 + 1,
                predecessor_id: None,
                external_id: Some(format!("scale-perspective-{}", position + 1)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            });
            themes.push(theme);
        }
        themes
    }

    /// The overarching goals, spread over the perspectives in order and numbered so; about
    /// one in four was revised (sharpened from "bör" to "ska") by a later decision.
    fn build_goals(
        &mut self,
        plan_period: &Id,
        tree: &Tree,
        themes: &[Vec<Theme>],
    ) -> AppResult<()> {
        let adopted_on = date(PLAN_START, 1, 26);
        let adopted_by = format!("KF {PLAN_START}-01-26 § {}", 10 + self.rng.below(20));
        let mut used = vec![false; GOALS.len()];
        for j in 0..self.size.goals {
            let p = j * themes.len() / self.size.goals.max(1);
            let start = self.rng.below(GOALS.len());
            // The next unused goal of the perspective's themes (any unused one if none).
            let pick = (0..GOALS.len())
                .map(|k| (start + k) % GOALS.len())
                .find(|&k| !used[k] && themes[p].contains(&GOALS[k].0))
                .or_else(|| (0..GOALS.len()).find(|&k| !used[k]));
            let title = match pick {
                Some(k) => {
                    used[k] = true;
                    GOALS[k]
                        .1
                        .replace("{name}", self.name.trim_end_matches(" kommun"))
                }
                None => format!("Övergripande mål {}", j + 1),
            };
            let revised = title.contains(" ska ") && self.rng.chance(0.25);
            let mut goal = Goal {
                id: self.id(),
                organization_id: self.org(),
                plan_period_id: plan_period.clone(),
                perspective_id: self.perspectives[p].id.clone(),
                owner_unit_id: tree.kf.clone(),
                number: j as i32 + 1,
                title: title.replacen(" ska ", " bör ", 1),
                description: None,
                footnotes: TextList::default(),
                decision_reference: Some(adopted_by.clone()),
                decided_on: Some(adopted_on),
                decided_by_unit_id: Some(tree.kf.clone()),
                state: GoalState::Adopted,
                predecessor_id: None,
                external_id: Some(format!("scale-goal-{}", j + 1)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            };
            if revised {
                let on = date(2024, 6, 13);
                let reference = format!("KF 2024-06-13 § {}", 60 + j);
                self.first_revision(&goal, &adopted_by, adopted_on, &tree.kf, Some(on))?;
                let before = goal.clone();
                goal.title = title;
                goal.decision_reference = Some(reference.clone());
                goal.decided_on = Some(on);
                goal.version = 2;
                let changes = revisions::changes(&before, &goal);
                self.revision(
                    &goal,
                    2,
                    changes,
                    (
                        Some("Målet skärps efter uppföljningen 2023."),
                        &reference,
                        on,
                        &tree.kf,
                    ),
                    None,
                )?;
            } else {
                goal.title = title;
                self.first_revision(&goal, &adopted_by, adopted_on, &tree.kf, None)?;
            }
            self.goals.push(goal);
        }
        Ok(())
    }

    /// Adopted department goals spread over the boards, then the drafts; each breaks down an
    /// overarching goal and is numbered within its board.
    fn build_department_goals(&mut self, plan_period: &Id, tree: &Tree) -> AppResult<()> {
        if tree.boards.is_empty() || self.goals.is_empty() {
            return Ok(());
        }
        let adopted = self.size.department_goals;
        let mut numbers = vec![0; tree.boards.len()];
        for j in 0..adopted + self.size.draft_department_goals() {
            let b = j % tree.boards.len();
            let spec = &BOARDS[b % BOARDS.len()];
            numbers[b] += 1;
            let number = numbers[b];
            let template = DEPARTMENT_GOALS[(number - 1 + b) % DEPARTMENT_GOALS.len()];
            let goal = self.rng.below(self.goals.len());
            let board = tree.boards[b].0.clone();
            let is_adopted = j < adopted;
            let day = date(PLAN_START, 2, 10 + (b % 15) as u32);
            let reference = format!("{} {day} § {}", spec.code, 10 + number);
            let department_goal = DepartmentGoal {
                id: self.id(),
                organization_id: self.org(),
                plan_period_id: plan_period.clone(),
                goal_id: self.goals[goal].id.clone(),
                owner_unit_id: board.clone(),
                number: number as i32,
                title: template.replace("{group}", spec.group),
                description: None,
                footnotes: TextList::default(),
                decision_reference: is_adopted.then(|| reference.clone()),
                decided_on: is_adopted.then_some(day),
                decided_by_unit_id: is_adopted.then(|| board.clone()),
                state: if is_adopted {
                    GoalState::Adopted
                } else {
                    GoalState::Draft
                },
                predecessor_id: None,
                external_id: Some(format!("scale-department-goal-{}", j + 1)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            };
            if is_adopted {
                self.first_revision(&department_goal, &reference, day, &board, None)?;
            }
            self.department_goals.push(department_goal);
        }
        Ok(())
    }

    /// Three indicators per overarching goal, the rest over the adopted department goals;
    /// each with targets for the plan period and its values, and the first revision of its
    /// targets by its goal's decision.
    fn build_indicators(&mut self, tree: &Tree, themes: &[Vec<Theme>]) -> AppResult<()> {
        let on_goals = (self.goals.len() * 3).min(self.size.indicators);
        let adopted_departments: Vec<usize> = (0..self.department_goals.len())
            .filter(|&i| self.department_goals[i].state == GoalState::Adopted)
            .collect();
        let theme_of_goal = |m: &Municipality, goal: &Id| -> Vec<Theme> {
            m.goals
                .iter()
                .find(|g| &g.id == goal)
                .and_then(|g| m.perspectives.iter().position(|p| p.id == g.perspective_id))
                .map(|p| themes[p].clone())
                .unwrap_or_default()
        };
        for k in 0..self.size.indicators {
            let (goal, department, owner, decision) =
                if k < on_goals || adopted_departments.is_empty() {
                    let goal = &self.goals[k % self.goals.len().max(1)];
                    (
                        Some(goal.id.clone()),
                        None,
                        tree.office.clone(),
                        (
                            goal.decision_reference.clone(),
                            goal.decided_on,
                            goal.decided_by_unit_id.clone(),
                        ),
                    )
                } else {
                    let d = &self.department_goals
                        [adopted_departments[(k - on_goals) % adopted_departments.len()]];
                    let b = tree
                        .boards
                        .iter()
                        .position(|(board, _)| *board == d.owner_unit_id)
                        .unwrap_or(0);
                    (
                        None,
                        Some(d.id.clone()),
                        tree.boards[b].1.clone(),
                        (
                            d.decision_reference.clone(),
                            d.decided_on,
                            d.decided_by_unit_id.clone(),
                        ),
                    )
                };
            let served = match (&goal, &department) {
                (Some(g), _) => g.clone(),
                (None, Some(d)) => self
                    .department_goals
                    .iter()
                    .find(|x| &x.id == d)
                    .map(|x| x.goal_id.clone())
                    .unwrap_or_else(Id::new),
                _ => Id::new(),
            };
            let themes = theme_of_goal(self, &served);
            let candidates: Vec<usize> = (0..INDICATORS.len())
                .filter(|&i| themes.contains(&INDICATORS[i].theme))
                .collect();
            let spec = match candidates.len() {
                0 => &INDICATORS[self.rng.below(INDICATORS.len())],
                n => &INDICATORS[candidates[self.rng.below(n)]],
            };
            self.indicator(k, spec, goal, department, owner, decision)?;
        }
        Ok(())
    }

    fn indicator(
        &mut self,
        k: usize,
        spec: &IndicatorSpec,
        goal: Option<Id>,
        department_goal: Option<Id>,
        owner: Id,
        (reference, decided_on, body): (Option<String>, Option<NaiveDate>, Option<Id>),
    ) -> AppResult<()> {
        let first_year = LAST_MEASURED_YEAR + 1 - self.size.years as i32;
        let start = self.rng.between(spec.start.0, spec.start.1);
        let spread = ((spec.start.1 - spec.start.0) / 20.0).max(0.1);
        let values: Vec<(i32, f64)> = (first_year..=LAST_MEASURED_YEAR)
            .map(|year| {
                let t = (year - first_year) as f64;
                let noise = self.rng.between(-spread, spread);
                (year, round1(start + spec.drift * t + noise))
            })
            .collect();
        let baseline = values
            .iter()
            .find(|(year, _)| *year == PLAN_START - 1)
            .map(|(_, v)| *v);
        let level = baseline.unwrap_or(start);
        let step = (level.abs() * self.rng.between(0.02, 0.08)).max(0.5);
        let target = match spec.direction {
            Direction::HigherIsBetter => Target {
                value: Some(round1(level + step)),
                ..target()
            },
            Direction::LowerIsBetter => Target {
                value: Some(round1(level - step)),
                ..target()
            },
            Direction::TargetRange => Target {
                min: Some(-1.0),
                max: Some(1.0),
                ..target()
            },
        };
        let source = match (spec.kolada, spec.survey) {
            (Some(_), _) => Source::Kolada,
            (None, true) => Source::Survey,
            (None, false) => Source::Manual,
        };
        let percent_like = spec.unit == "%" || spec.unit.starts_with("index");
        let indicator = Indicator {
            id: self.id(),
            organization_id: self.org(),
            goal_id: goal,
            department_goal_id: department_goal,
            owner_unit_id: Some(owner),
            name: spec.name.into(),
            description: None,
            unit_of_measure: spec.unit.into(),
            direction: spec.direction,
            baseline_value: baseline,
            baseline_period: baseline.map(|_| (PLAN_START - 1).to_string()),
            targets: JsonList::new(vec![target]),
            yellow_tolerance: if percent_like { 3.0 } else { 10.0 },
            tolerance_unit: if percent_like {
                ToleranceUnit::Absolute
            } else {
                ToleranceUnit::Percent
            },
            weight: 1.0,
            source,
            kolada_kpi: spec.kolada.map(str::to_string),
            kolada_municipality: spec.kolada.map(|_| self.code.clone()),
            kolada_ou: None,
            update_frequency: UpdateFrequency::Yearly,
            year_to_date: YearToDate::NotComparable,
            publication_lag_years: 0,
            predecessor_id: None,
            external_id: Some(format!("scale-indicator-{}", k + 1)),
            archived_at: None,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
        };
        if let (Some(reference), Some(on), Some(body)) = (reference, decided_on, body) {
            self.first_revision(&indicator, &reference, on, &body, None)?;
        }
        for (year, value) in values {
            let roll = self.rng.unit();
            if roll < 0.03 {
                continue; // not reported at all
            }
            let missing = roll < 0.07;
            let (women, men) = if spec.by_gender && !missing {
                let gap = round1(self.rng.between(-3.0, 3.0));
                (Some(round1(value + gap)), Some(round1(value - gap)))
            } else {
                (None, None)
            };
            let id = self.id();
            self.measurements.push(Measurement {
                id,
                organization_id: self.org(),
                indicator_id: indicator.id.clone(),
                period: year.to_string(),
                period_start: date(year, 1, 1),
                period_end: date(year, 12, 31),
                kind: MeasurementKind::Outcome,
                value: (!missing).then_some(value),
                value_women: women,
                value_men: men,
                missing,
                note: missing.then(|| "Uppgift saknas för perioden.".to_string()),
                source,
                recorded_by: GENERATOR.into(),
                recorded_by_name: Some(GENERATOR_NAME.into()),
                provenance: None,
                imported_at: None,
                external_id: None,
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            });
        }
        self.indicators.push(indicator);
        Ok(())
    }

    /// The activities, evenly over the teams: mostly for a department goal of the team's
    /// board, otherwise for an overarching goal; as they stood on the reference day.
    fn build_activities(&mut self, tree: &Tree) {
        if tree.teams.is_empty() || self.goals.is_empty() {
            return;
        }
        let reference_day = date(REFERENCE_DAY.0, REFERENCE_DAY.1, REFERENCE_DAY.2);
        let mut of_board: Vec<Vec<Id>> = vec![Vec::new(); tree.boards.len()];
        for d in &self.department_goals {
            if let Some(b) = tree
                .boards
                .iter()
                .position(|(board, _)| *board == d.owner_unit_id)
            {
                of_board[b].push(d.id.clone());
            }
        }
        let teams = tree.teams.len();
        for k in 0..self.size.activities {
            let (team, board) = &tree.teams[k % teams];
            let board_goals = board.map(|b| &of_board[b]).filter(|g| !g.is_empty());
            let (goal_id, department_goal_id) = match board_goals {
                Some(goals) if self.rng.chance(0.8) => (None, Some(self.rng.pick(goals).clone())),
                _ => {
                    let g = self.rng.below(self.goals.len());
                    (Some(self.goals[g].id.clone()), None)
                }
            };
            let due = self
                .rng
                .day_between(date(PLAN_START, 1, 31), date(PLAN_END, 12, 31));
            let roll = self.rng.unit();
            let status = if due <= reference_day {
                match roll {
                    r if r < 0.70 => ActivityStatus::Done,
                    r if r < 0.75 => ActivityStatus::Cancelled,
                    r if r < 0.90 => ActivityStatus::InProgress,
                    _ => ActivityStatus::Planned,
                }
            } else {
                match roll {
                    r if r < 0.05 => ActivityStatus::Done,
                    r if r < 0.45 => ActivityStatus::InProgress,
                    _ => ActivityStatus::Planned,
                }
            };
            let done_on = (status == ActivityStatus::Done).then(|| {
                let early = Duration::days(self.rng.below(30) as i64);
                (due - early).min(reference_day)
            });
            let title = format!("{} {}", self.rng.pick(&ACTIONS), self.rng.pick(&OBJECTS));
            let description = self
                .rng
                .chance(0.3)
                .then(|| "Beslutad på arbetsplatsträffen; följs upp vid nästa träff.".to_string());
            let responsible = Some(self.rng.pick(&RESPONSIBLE).to_string());
            let id = self.id();
            self.activities.push(Activity {
                id,
                organization_id: self.org(),
                team_id: team.clone(),
                goal_id,
                department_goal_id,
                title,
                description,
                responsible,
                due_date: Some(due),
                status,
                done_on,
                predecessor_id: None,
                external_id: Some(format!("scale-activity-{}", k + 1)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            });
        }
    }

    /// The follow-ups of every adopted goal (by KS) and department goal (by its board's
    /// administration) per reporting period: published or approved in the closed years; in
    /// 2025 later periods still have submitted and draft ones, and some not yet made.
    fn build_follow_ups(&mut self, tree: &Tree) {
        let periods: Vec<(Id, ReportingPeriodKind, NaiveDate, NaiveDate, bool)> = self
            .reporting_periods
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    p.kind,
                    p.end_date,
                    p.follow_up_deadline.unwrap_or(p.end_date),
                    p.status == ReportingPeriodStatus::Closed,
                )
            })
            .collect();
        let mut subjects: Vec<(Option<Id>, Option<Id>, Id)> = self
            .goals
            .iter()
            .filter(|g| g.state == GoalState::Adopted)
            .map(|g| (Some(g.id.clone()), None, tree.ks.clone()))
            .collect();
        for d in self
            .department_goals
            .iter()
            .filter(|d| d.state == GoalState::Adopted)
        {
            if let Some((_, administration)) = tree
                .boards
                .iter()
                .find(|(board, _)| *board == d.owner_unit_id)
            {
                subjects.push((None, Some(d.id.clone()), administration.clone()));
            }
        }
        for (period, kind, end, deadline, closed) in periods {
            for (goal_id, department_goal_id, unit) in &subjects {
                let roll = self.rng.unit();
                let state = match (closed, kind) {
                    (true, ReportingPeriodKind::AnnualReport) => FollowUpState::Published,
                    (true, _) if roll < 0.8 => FollowUpState::Approved,
                    (true, _) => FollowUpState::Published,
                    (false, ReportingPeriodKind::Tertial) => FollowUpState::Approved,
                    (false, ReportingPeriodKind::InterimReport) if roll < 0.5 => {
                        FollowUpState::Approved
                    }
                    (false, ReportingPeriodKind::InterimReport) => FollowUpState::Submitted,
                    (false, _) if roll < 0.3 => continue, // not made yet
                    (false, _) if roll < 0.6 => FollowUpState::Submitted,
                    (false, _) => FollowUpState::Draft,
                };
                let assessment = match self.rng.unit() {
                    r if r < 0.45 => Assessment::Achieved,
                    r if r < 0.80 => Assessment::PartlyAchieved,
                    r if r < 0.95 => Assessment::NotAchieved,
                    _ => Assessment::NotAssessed,
                };
                let analysis = Some(self.rng.pick(&ANALYSES).to_string());
                let planned_measures = matches!(
                    assessment,
                    Assessment::PartlyAchieved | Assessment::NotAchieved
                )
                .then(|| self.rng.pick(&MEASURES).to_string());
                let (first, last) = (self.rng.pick(&FIRST_NAMES), self.rng.pick(&SURNAMES));
                let created = at(end + Duration::days(7), 9);
                let submitted = at(deadline - Duration::days(3), 10);
                let approved = at(deadline + Duration::days(10), 14);
                let published = at(deadline + Duration::days(20), 9);
                let step = |reached: FollowUpState, time: UtcTime| {
                    let order = |s: FollowUpState| match s {
                        FollowUpState::Draft => 0,
                        FollowUpState::Submitted => 1,
                        FollowUpState::Approved => 2,
                        FollowUpState::Published => 3,
                    };
                    (order(state) >= order(reached)).then_some(time)
                };
                let submitted_at = step(FollowUpState::Submitted, submitted);
                let approved_at = step(FollowUpState::Approved, approved);
                let published_at = step(FollowUpState::Published, published);
                let updated_at = published_at
                    .or(approved_at)
                    .or(submitted_at)
                    .unwrap_or(created);
                let id = self.id();
                let n = self.follow_ups.len() + 1;
                self.follow_ups.push(FollowUp {
                    id,
                    organization_id: self.org(),
                    reporting_period_id: period.clone(),
                    goal_id: goal_id.clone(),
                    department_goal_id: department_goal_id.clone(),
                    reporting_unit_id: unit.clone(),
                    assessment,
                    analysis,
                    planned_measures,
                    proposed_revision: None,
                    state,
                    author_subject: GENERATOR.into(),
                    author_name: Some(format!("{first} {last}")),
                    submitted_at,
                    approved_at,
                    published_at,
                    external_id: Some(format!("scale-follow-up-{n}")),
                    archived_at: None,
                    created_at: created,
                    updated_at,
                    version: 1,
                    withdrawal_reason: None,
                    approved_by: None,
                    approved_by_name: None,
                    published_by: None,
                    published_by_name: None,
                    decision_reference: None,
                    decided_on: None,
                    decided_by_unit_id: None,
                    return_reason: None,
                });
            }
        }
    }

    /// Two key persons per administration and the steering group: a lead and one
    /// responsible per perspective. Invented names; phone numbers from the range set aside
    /// for fiction.
    fn build_contacts(&mut self, tree: &Tree) {
        let mut people: Vec<ContactSpec> = Vec::new();
        let administrations: Vec<Id> = std::iter::once(tree.office.clone())
            .chain(tree.boards.iter().map(|(_, a)| a.clone()))
            .collect();
        for administration in administrations {
            for _ in 0..2 {
                people.push((
                    ContactRole::KeyPerson,
                    Some(administration.clone()),
                    None,
                    None,
                ));
            }
        }
        people.push((
            ContactRole::SteeringGroupLead,
            None,
            None,
            Some("Kvalitets- och utvecklingsansvarig"),
        ));
        let perspectives: Vec<Id> = self.perspectives.iter().map(|p| p.id.clone()).collect();
        for perspective in perspectives {
            people.push((
                ContactRole::SteeringGroupMember,
                None,
                Some(perspective),
                Some("Strateg"),
            ));
        }
        let domain = self
            .name
            .trim_end_matches(" kommun")
            .to_lowercase()
            .replace(['å', 'ä'], "a")
            .replace('ö', "o")
            .replace(' ', "-");
        for (n, (role, unit_id, perspective_id, title)) in people.into_iter().enumerate() {
            let first = FIRST_NAMES[(n + self.rng.below(3)) % FIRST_NAMES.len()];
            let last =
                SURNAMES[(n / FIRST_NAMES.len() + self.rng.below(SURNAMES.len())) % SURNAMES.len()];
            let address = format!("{first}.{last}")
                .to_lowercase()
                .replace(['å', 'ä'], "a")
                .replace(['ö', 'é'], "o");
            let id = self.id();
            self.contacts.push(Contact {
                id,
                organization_id: self.org(),
                role,
                name: format!("{first} {last}"),
                title: title.map(str::to_string),
                email: Some(format!("{address}@{domain}.example")),
                phone: Some(format!("070-174 06 {:02}", 5 + n % 95)),
                unit_id,
                perspective_id,
                external_id: Some(format!("scale-contact-{}", n + 1)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            });
        }
    }

    /// Writes every row, referenced tables first, in multi-row inserts.
    /// The documented bulk path of a write (`Tx`): rows in multi-row inserts, without the
    /// audit trail and the change feed (see the module's comment).
    fn insert(&self, tx: &mut Tx) -> AppResult<Counts> {
        let conn: &mut DbConnection = tx;
        macro_rules! insert_all {
            ($table:path, $rows:expr) => {
                $crate::insert_rows!(conn, $table, $rows)
            };
        }
        Ok(Counts {
            organizations: insert_all!(
                schema::organizations::table,
                std::slice::from_ref(&self.organization)
            ),
            units: insert_all!(schema::units::table, self.units),
            plan_periods: insert_all!(schema::plan_periods::table, self.plan_periods),
            reporting_periods: insert_all!(
                schema::reporting_periods::table,
                self.reporting_periods
            ),
            visions: insert_all!(schema::visions::table, self.visions),
            perspectives: insert_all!(schema::perspectives::table, self.perspectives),
            goals: insert_all!(schema::goals::table, self.goals),
            department_goals: insert_all!(schema::department_goals::table, self.department_goals),
            indicators: insert_all!(schema::indicators::table, self.indicators),
            measurements: insert_all!(schema::measurements::table, self.measurements),
            activities: insert_all!(schema::activities::table, self.activities),
            follow_ups: insert_all!(schema::follow_ups::table, self.follow_ups),
            contacts: insert_all!(schema::contacts::table, self.contacts),
            revisions: insert_all!(schema::revisions::table, self.revisions),
        })
    }
}

/// A contact to generate: role, administration, perspective, job title.
type ContactSpec = (ContactRole, Option<Id>, Option<Id>, Option<&'static str>);

/// An each-period target over the plan period, without a value yet.
fn target() -> Target {
    Target {
        from: PLAN_START.to_string(),
        to: Some(PLAN_END.to_string()),
        basis: TargetBasis::EachPeriod,
        value: None,
        change_from_baseline_percent: None,
        min: None,
        max: None,
    }
}

/// A UUIDv7 at `millis` with random bits from `rng`: the same every run, in creation order.
fn make_id(rng: &mut Rng, millis: u64) -> Id {
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&rng.next().to_le_bytes());
    random[8..].copy_from_slice(&rng.next().to_le_bytes()[..2]);
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    uuid.to_string().parse().unwrap_or_else(|_| Id::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_distinct_and_never_the_demos() {
        let codes: std::collections::HashSet<String> =
            (0..MAX_MUNICIPALITIES).map(municipality_code).collect();
        assert_eq!(codes.len(), MAX_MUNICIPALITIES);
        assert!(!codes.contains(crate::demo::MUNICIPALITY_CODE));
        assert!(codes.iter().all(|c| c.len() == 4 && c.as_str() >= "3001"));
        let names: std::collections::HashSet<String> = (0..290).map(municipality_name).collect();
        assert_eq!(names.len(), 290);
        assert_eq!(municipality_code(0), "3001");
        assert_eq!(municipality_code(99), "3101");
    }

    #[test]
    fn the_same_municipality_is_generated_the_same_way() {
        let small = Size {
            teams: 20,
            activities: 100,
            indicators: 30,
            ..Size::MUNICIPALITY
        };
        let now = UtcTime::now();
        let a = Municipality::new(3, &small, now).build().expect("built");
        let b = Municipality::new(3, &small, now).build().expect("built");
        let json = |m: &Municipality| {
            serde_json::to_string(&(
                &m.units,
                &m.goals,
                &m.activities,
                &m.measurements,
                &m.follow_ups,
            ))
            .expect("json")
        };
        assert_eq!(json(&a), json(&b));
        let c = Municipality::new(4, &small, now).build().expect("built");
        assert_ne!(json(&a), json(&c));
    }
}
