//! The Kolada API v3 data response: `{"count", "values": [row], "next_url", "previous_url"}`,
//! each row one KPI, one municipality (or organisational unit) and one year, with a value per
//! gender. Fields Kolada may add later are accepted and ignored.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A Kolada API v3 data response (one page), as `GET https://api.kolada.se/v3/data/…`
/// returns it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({
    "count": 1,
    "values": [{"kpi": "N03101", "municipality": "0683", "period": 2011,
                "values": [{"gender": "T", "count": 1, "status": "", "value": 1.2, "isdeleted": false}]}],
    "next_url": null,
    "previous_url": null
}))]
pub struct KoladaDocument {
    /// The number of rows in `values`.
    #[serde(default, deserialize_with = "count")]
    #[schema(minimum = 0)]
    pub count: Option<u64>,
    pub values: Vec<KoladaRow>,
    /// The next page, when the answer has more rows than fit in one; import it too.
    #[serde(default)]
    #[schema(format = "text:long")]
    pub next_url: Option<String>,
    #[serde(default)]
    #[schema(format = "text:long")]
    pub previous_url: Option<String>,
}

/// One KPI's values for one municipality or organisational unit and one year.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KoladaRow {
    /// The KPI id, e.g. `N03101`.
    #[schema(example = "N03101", format = "text:name")]
    pub kpi: String,
    /// The year.
    #[serde(deserialize_with = "year")]
    #[schema(value_type = i32, example = 2011, minimum = 1000, maximum = 9999)]
    pub period: i32,
    /// The municipality code (4 digits) for municipal data …
    #[serde(default)]
    #[schema(example = "0683", format = "text:short")]
    pub municipality: Option<String>,
    /// … or the organisational unit id (e.g. a school) for unit data.
    #[serde(default)]
    #[schema(format = "text:short")]
    pub ou: Option<String>,
    /// One entry per gender: T (total), K (women), M (men).
    pub values: Vec<KoladaValue>,
}

/// The value for one gender.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KoladaValue {
    pub gender: Gender,
    /// How many values the figure is based on.
    #[serde(default)]
    pub count: Option<f64>,
    /// Kolada's status: empty for a value, `Missing` when there is none.
    #[serde(default)]
    #[schema(format = "text:short")]
    pub status: Option<String>,
    /// Null when there is no value.
    #[serde(default)]
    pub value: Option<f64>,
    /// Kolada withdrew the value.
    #[serde(default)]
    pub isdeleted: bool,
}

impl KoladaValue {
    /// Whether Kolada says there is no value (status `Missing`, or a null value).
    pub fn is_missing(&self) -> bool {
        self.value.is_none()
            || self
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("missing"))
    }
}

/// Kolada's gender dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = KoladaGender)]
pub enum Gender {
    /// Total.
    #[serde(rename = "T")]
    Total,
    /// Women (kvinnor).
    #[serde(rename = "K")]
    Women,
    /// Men (män).
    #[serde(rename = "M")]
    Men,
}

impl Gender {
    pub fn code(&self) -> &'static str {
        match self {
            Gender::Total => "T",
            Gender::Women => "K",
            Gender::Men => "M",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a row's values belong in Kolada: a municipality or an organisational unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    Municipality(String),
    Unit(String),
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Area::Municipality(code) => write!(f, "municipality {code}"),
            Area::Unit(ou) => write!(f, "unit {ou}"),
        }
    }
}

impl KoladaRow {
    /// The municipality or unit, when the row names exactly one.
    pub fn area(&self) -> Option<Area> {
        match (&self.municipality, &self.ou) {
            (Some(code), None) => Some(Area::Municipality(code.clone())),
            (None, Some(ou)) => Some(Area::Unit(ou.clone())),
            _ => None,
        }
    }

    /// The entry of one gender (the first, should a row repeat it).
    pub fn entry(&self, gender: Gender) -> Option<&KoladaValue> {
        self.values.iter().find(|v| v.gender == gender)
    }

    /// The period as a measurement names it.
    pub fn measurement_period(&self) -> String {
        format!("{:04}", self.period)
    }
}

/// A count, which JSON may write as 12 or 12.0.
fn count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..1e15).contains(f))
                .map(|f| f as u64)
        })
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("`{n}` is not a count of rows")))
}

/// Kolada v3 writes the year as a number; a string of the year is accepted too.
fn year<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Year {
        Number(serde_json::Number),
        Text(String),
    }
    let text = match Year::deserialize(deserializer)? {
        // 2011.0 is the year 2011, as JSON reads it.
        Year::Number(n) => match n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15) {
            Some(whole) if n.as_i64().is_none() => format!("{whole:.0}"),
            _ => n.to_string(),
        },
        Year::Text(t) => t,
    };
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a year; Kolada periods are years, e.g. 2011"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_v3_page_and_ignores_fields_it_does_not_know() {
        let page: KoladaDocument = serde_json::from_str(
            r#"{"count": 1, "next_url": null, "previous_url": null, "extra": 1,
                "values": [{"kpi": "N00914", "municipality": "0683", "period": 2011, "label": "x",
                  "values": [{"gender": "T", "count": 1, "status": "", "value": 82.4, "isdeleted": false},
                             {"gender": "K", "count": 1, "status": "Missing", "value": null, "isdeleted": false},
                             {"gender": "M", "value": 84.9}]}]}"#,
        )
        .expect("a Kolada page");
        let row = &page.values[0];
        assert_eq!(row.measurement_period(), "2011");
        assert_eq!(row.area(), Some(Area::Municipality("0683".into())));
        assert_eq!(row.entry(Gender::Total).and_then(|v| v.value), Some(82.4));
        assert!(row
            .entry(Gender::Women)
            .is_some_and(KoladaValue::is_missing));
        assert!(!row.entry(Gender::Men).is_some_and(KoladaValue::is_missing));
    }

    #[test]
    fn a_period_is_a_year() {
        let row = |period: &str| {
            serde_json::from_str::<KoladaRow>(&format!(
                r#"{{"kpi": "N03101", "municipality": "0683", "period": {period}, "values": []}}"#
            ))
        };
        assert_eq!(row("2011").map(|r| r.period).ok(), Some(2011));
        assert_eq!(row("\"2012\"").map(|r| r.period).ok(), Some(2012));
        for bad in ["11", "2011.5", "\"2011-Q1\"", "null", "-2011"] {
            assert!(row(bad).is_err(), "{bad}");
        }
    }
}
