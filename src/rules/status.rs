//! The traffic light, computed by rules a reader can check (`docs/status.md` states them,
//! with the same rule ids): an indicator against its targets, a goal rolled up from its
//! indicators and department goals, and a follow-up's assessment overriding the computed
//! status only when it carries an analysis. Pure functions: no database, no HTTP.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::types::Id;
use crate::rules::periods;
use crate::store::follow_ups::{Assessment, FollowUp};
use crate::store::indicators::{
    Direction, Indicator, Target, TargetBasis, ToleranceUnit, YearToDate,
};
use crate::store::measurements::{Measurement, MeasurementKind};
use crate::text_enum;

text_enum! {
    /// The traffic light.
    Light {
        Green => "green",
        Yellow => "yellow",
        Red => "red",
        /// No value, a missing value, or no target to compare with: never red.
        InsufficientData => "insufficient_data",
    }
}

impl Light {
    /// The score a roll-up averages (rule G2); none for insufficient data.
    fn score(&self) -> Option<f64> {
        match self {
            Light::Green => Some(1.0),
            Light::Yellow => Some(0.5),
            Light::Red => Some(0.0),
            Light::InsufficientData => None,
        }
    }

    /// Worse first: red, yellow, green.
    fn rank(&self) -> u8 {
        match self {
            Light::Red => 0,
            Light::Yellow => 1,
            Light::Green => 2,
            Light::InsufficientData => 3,
        }
    }
}

/// One target compared with the value(s) it applies to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetCheck {
    pub target: Target,
    /// The value compared: the period's value, or the average over the span so far.
    pub compared_value: f64,
    /// The periods the compared value comes from.
    pub periods: Vec<String>,
    /// The target in the indicator's unit (a change from the baseline worked out).
    pub target_value: Option<f64>,
    /// How far short of the target still counts as yellow, in the indicator's unit.
    pub tolerance: f64,
    pub status: Light,
    /// The rule that judged it: `I5` (the period's value or the average), `I7` (the year's
    /// forecast, before the year has ended), `I8` (the year to date) or `I10` (the implied
    /// target of a year on the path to a long-term target).
    pub rule: String,
    pub explanation: String,
}

/// An indicator's status for a reporting period, with why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorStatus {
    pub indicator_id: Id,
    pub name: String,
    pub status: Light,
    /// The rule that decided it (see `docs/status.md`): `I1`…`I10`.
    pub rule: String,
    pub explanation: String,
    /// The latest measurement's period on or before the day the status is for.
    pub period: Option<String>,
    pub value: Option<f64>,
    pub unit_of_measure: String,
    pub direction: Direction,
    pub weight: f64,
    pub targets: Vec<TargetCheck>,
    /// No value for longer than its update frequency allows.
    pub stale: bool,
    /// No owner unit: nobody is asked to report it.
    pub without_owner: bool,
}

/// Evaluates an indicator as of a day (a reporting period's last day): its values on or
/// before that day (and the year's forecast, before the year has ended) against every
/// target that applies. `measurements` are the indicator's own, in any order.
pub fn indicator_status(
    indicator: &Indicator,
    measurements: &[&Measurement],
    as_of: NaiveDate,
) -> IndicatorStatus {
    let mut known: Vec<&Measurement> = measurements
        .iter()
        .copied()
        .filter(|m| {
            m.kind == MeasurementKind::Outcome && m.period_end <= as_of && m.archived_at.is_none()
        })
        .collect();
    known.sort_by_key(|m| (m.period_end, m.period_start));
    // The year judged: the one `as_of` falls in, or with a publication lag the latest year
    // whose value can exist by then.
    let lag = indicator.publication_lag_years.max(0);
    let year = format!("{:04}", as_of.year() - lag);
    let year_ends_later = periods::span(&year).is_some_and(|(_, end)| as_of < end);
    // At a reporting period that ends before the year does, the year's forecast speaks for it.
    let forecast = measurements.iter().copied().find(|m| {
        year_ends_later
            && m.kind == MeasurementKind::Forecast
            && m.period == year
            && m.archived_at.is_none()
            && !m.missing
    });
    let latest = known.last().copied();
    let last_value = known.iter().rev().find(|m| !m.missing);
    let stale = match last_value {
        None => forecast.is_none(),
        Some(m) => {
            forecast.is_none()
                && m.period_end
                    .checked_add_months(chrono::Months::new(indicator.update_frequency.months()))
                    .is_some_and(|due| due < as_of)
        }
    };
    let mut status = IndicatorStatus {
        indicator_id: indicator.id.clone(),
        name: indicator.name.clone(),
        status: Light::InsufficientData,
        rule: String::new(),
        explanation: String::new(),
        period: latest.map(|m| m.period.clone()),
        value: latest.and_then(|m| m.value),
        unit_of_measure: indicator.unit_of_measure.clone(),
        direction: indicator.direction,
        weight: indicator.weight,
        targets: Vec::new(),
        stale,
        without_owner: indicator.owner_unit_id.is_none(),
    };
    if latest.is_none() && forecast.is_none() {
        status.rule = "I1".into();
        status.explanation = format!("no value for a period ending on or before {as_of}");
        return status;
    }
    if let Some(latest) = latest.filter(|m| m.missing && forecast.is_none()) {
        status.rule = "I2".into();
        status.explanation = format!(
            "the value for {} is missing: insufficient data, not zero",
            latest.period
        );
        return status;
    }
    let values = Values {
        known: &known,
        forecast,
        year: &year,
        as_of,
    };
    let mut unjudged = Vec::new();
    for target in indicator.targets.items() {
        let Some((first_day, last_day)) = target_days(target) else {
            continue;
        };
        let check = if is_annual(target) {
            values.annual(indicator, target, (first_day, last_day))
        } else {
            values.within_year(target, (first_day, last_day), latest)
        };
        match check {
            Ok(Some(check)) => status.targets.push(compare(indicator, target, check)),
            Ok(None) => {}
            Err(why) => unjudged.push(why),
        }
    }
    if status.targets.is_empty() && unjudged.is_empty() {
        match values.on_the_path(indicator) {
            Some((path, Ok(Some(check)))) => {
                let mut check = compare(indicator, &path.target, check);
                check.rule = "I10".into();
                let path = path.describe(Some(check.compared_value));
                check.explanation = format!("{path}: {}", check.explanation);
                status.targets.push(check);
            }
            Some((path, Err(why))) => unjudged.push(format!("{}; {why}", path.describe(None))),
            Some((_, Ok(None))) | None => {}
        }
    }
    if lag > 0 {
        let said = format!(
            "its values are published {lag} year{} late, so {year} is the latest year judged",
            if lag == 1 { "" } else { "s" }
        );
        for check in &mut status.targets {
            check.explanation = format!("{said}: {}", check.explanation);
        }
        unjudged
            .iter_mut()
            .for_each(|why| *why = format!("{said}: {why}"));
    }
    match status.targets.iter().min_by_key(|t| t.status.rank()) {
        None if !unjudged.is_empty() => {
            status.rule = "I9".into();
            status.explanation = unjudged.join("; ");
        }
        None => {
            status.rule = "I3".into();
            let period = latest.map_or(year.as_str(), |m| m.period.as_str());
            status.explanation = format!("no target applies to {period}");
        }
        Some(worst) => {
            status.status = worst.status;
            status.rule = if status.targets.len() > 1 {
                "I6".into()
            } else {
                worst.rule.clone()
            };
            status.explanation = if status.targets.len() > 1 {
                format!(
                    "{} targets apply; the worst decides: {}",
                    status.targets.len(),
                    worst.explanation
                )
            } else {
                worst.explanation.clone()
            };
        }
    }
    status
}

/// The straight path to a long-term target (goal 7's "−40 % by 2020 from 1990"): from the
/// baseline, or the last milestone (a target for one year) before the year judged, to the
/// next target after it. The year on the way has the implied target on that line (I10).
struct Path {
    from: (i32, f64),
    to: (i32, f64),
    /// The implied target for the year judged.
    target: Target,
    year: i32,
}

impl Path {
    /// The path, and the change a year still needed from `value` (the year's, when known).
    fn describe(&self, value: Option<f64>) -> String {
        let ((from_year, from), (to_year, to)) = (self.from, self.to);
        let implied = self.target.value.unwrap_or_default();
        let needed = value.map_or(String::new(), |value| {
            let per_year = (to - value) / f64::from(to_year - self.year);
            format!(
                "; from {} in {}, {} a year is needed",
                num(value),
                self.year,
                num(per_year)
            )
        });
        format!(
            "on the path from {} in {from_year} to {} in {to_year} the target for {} is {}{needed}",
            num(from),
            num(to),
            self.year,
            num(implied),
        )
    }
}

/// A target whose periods are whole years (`2011`, `2011`–`2014`): an annual target.
fn is_annual(target: &Target) -> bool {
    periods::is_year(&target.from) && target.to.as_deref().is_none_or(periods::is_year)
}

/// What a target is compared with, and how.
struct Compared {
    value: f64,
    periods: Vec<String>,
    /// How the value is described in the explanation.
    what: String,
    /// The part of the target that applies (a pro-rated target: the months so far / 12).
    share: f64,
    /// The rule that judges it: I5, I7 (the year's forecast) or I8 (the year to date).
    rule: &'static str,
}

/// The values a status is judged on, as of a day.
struct Values<'a> {
    /// Outcomes of periods ended by `as_of`, oldest first.
    known: &'a [&'a Measurement],
    /// The forecast of the year `as_of` falls in, before that year has ended.
    forecast: Option<&'a Measurement>,
    /// The year `as_of` falls in.
    year: &'a str,
    as_of: NaiveDate,
}

impl Values<'_> {
    /// An annual target: whole years only. Each year is judged on its outcome; before the
    /// year has ended on its forecast (I7), else on the year to date where the indicator
    /// says it compares (I8). An average is of whole years, the forecast standing for the
    /// current one: a part of a year never enters it. `Err` says why it cannot be judged yet.
    fn annual(
        &self,
        indicator: &Indicator,
        target: &Target,
        (first_day, last_day): (NaiveDate, NaiveDate),
    ) -> Result<Option<Compared>, String> {
        let in_span = |m: &Measurement| m.period_start >= first_day && m.period_end <= last_day;
        let Some((year_start, year_end)) = periods::span(self.year) else {
            return Ok(None);
        };
        if year_start < first_day || year_end > last_day {
            return Ok(None);
        }
        let year = self.year;
        let outcome = self
            .known
            .iter()
            .find(|m| m.period == year && !m.missing)
            .copied();
        match target.basis {
            TargetBasis::EachPeriod => {
                if let Some(outcome) = outcome {
                    let value = outcome.value.unwrap_or_default();
                    return Ok(Some(Compared {
                        value,
                        periods: vec![year.to_string()],
                        what: format!("the outcome for {year}"),
                        share: 1.0,
                        rule: "I5",
                    }));
                }
                if let Some(forecast) = self.forecast {
                    return Ok(Some(Compared {
                        value: forecast.value.unwrap_or_default(),
                        periods: vec![year.to_string()],
                        what: format!("the full-year forecast for {year}"),
                        share: 1.0,
                        rule: "I7",
                    }));
                }
                let to_date = self
                    .known
                    .iter()
                    .rev()
                    .find(|m| m.period.starts_with(&format!("{year}-YTD")) && !m.missing);
                match (indicator.year_to_date, to_date) {
                    (YearToDate::NotComparable, _) | (_, None) => Err(if self.as_of < year_end {
                        format!("{year} has no outcome yet and no full-year forecast{}", match indicator.year_to_date {
                            YearToDate::NotComparable => "; the indicator's year-to-date outcome does not compare with an annual target",
                            _ => " or year-to-date outcome",
                        })
                    } else {
                        format!("no outcome for {year}")
                    }),
                    (comparable, Some(to_date)) => {
                        let months = f64::from(to_date.period_end.month());
                        let share = match comparable {
                            YearToDate::ProRata => months / 12.0,
                            _ => 1.0,
                        };
                        let prorated = if share < 1.0 {
                            format!(" (the target pro-rated to {months} months)")
                        } else {
                            String::new()
                        };
                        Ok(Some(Compared {
                            value: to_date.value.unwrap_or_default(),
                            periods: vec![to_date.period.clone()],
                            what: format!("the outcome for {}{prorated}", to_date.period),
                            share,
                            rule: "I8",
                        }))
                    }
                }
            }
            TargetBasis::Average => {
                let mut years: Vec<(String, f64)> = self
                    .known
                    .iter()
                    .filter(|m| periods::is_year(&m.period) && in_span(m) && !m.missing)
                    .map(|m| (m.period.clone(), m.value.unwrap_or_default()))
                    .collect();
                let mut rule = "I5";
                if outcome.is_none() {
                    if let Some(forecast) = self.forecast {
                        years.push((
                            format!("{year} (forecast)"),
                            forecast.value.unwrap_or_default(),
                        ));
                        rule = "I7";
                    }
                }
                if years.is_empty() {
                    return Err(format!(
                        "no whole year of the average's span has an outcome by {}",
                        self.as_of
                    ));
                }
                let mean = years.iter().map(|(_, v)| v).sum::<f64>() / years.len() as f64;
                let periods: Vec<String> = years.into_iter().map(|(p, _)| p).collect();
                Ok(Some(Compared {
                    value: mean,
                    what: format!("the average over {}", periods.join(", ")),
                    periods,
                    share: 1.0,
                    rule,
                }))
            }
        }
    }

    /// The year on the way to a later annual target that no target covers (I10): the path
    /// to it, and the year's value judged against the implied target as an annual target
    /// is judged. None when no later target or no earlier point (baseline, milestone) exists.
    fn on_the_path(
        &self,
        indicator: &Indicator,
    ) -> Option<(Path, Result<Option<Compared>, String>)> {
        let year: i32 = self.year.parse().ok()?;
        let point = |target: &Target| -> Option<(i32, f64)> {
            let single = target.to.as_deref().is_none_or(|to| to == target.from);
            if !(is_annual(target) && single && target.basis == TargetBasis::EachPeriod) {
                return None;
            }
            let value = target.value.or_else(|| {
                let change = target.change_from_baseline_percent?;
                Some(indicator.baseline_value? * (1.0 + change / 100.0))
            })?;
            Some((target.from.parse().ok()?, value))
        };
        let points: Vec<(i32, f64)> = indicator.targets.items().iter().filter_map(point).collect();
        let to = points
            .iter()
            .filter(|(at, _)| *at > year)
            .min_by_key(|(at, _)| *at)
            .copied()?;
        let baseline = indicator
            .baseline_period
            .as_deref()
            .and_then(|period| period.get(..4)?.parse::<i32>().ok())
            .zip(indicator.baseline_value);
        let from = points
            .iter()
            .copied()
            .chain(baseline)
            .filter(|(at, _)| *at < year)
            .max_by_key(|(at, _)| *at)?;
        let implied =
            from.1 + (to.1 - from.1) * f64::from(year - from.0) / f64::from(to.0 - from.0);
        // As people write it (5.904, not 5.903999999999999).
        let implied = (implied * 10_000.0).round() / 10_000.0;
        let target = Target {
            from: self.year.to_string(),
            to: None,
            basis: TargetBasis::EachPeriod,
            value: Some(implied),
            change_from_baseline_percent: None,
            min: None,
            max: None,
        };
        let span = periods::span(self.year)?;
        let judged = self.annual(indicator, &target, span);
        Some((
            Path {
                from,
                to,
                target,
                year,
            },
            judged,
        ))
    }

    /// A target for periods within a year (tertials, months): the latest outcome it covers,
    /// or the average of those in its span; a year to date never enters an average.
    fn within_year(
        &self,
        target: &Target,
        (first_day, last_day): (NaiveDate, NaiveDate),
        latest: Option<&Measurement>,
    ) -> Result<Option<Compared>, String> {
        let covers = |m: &Measurement| m.period_start >= first_day && m.period_end <= last_day;
        let Some(latest) = latest.filter(|m| covers(m) && !m.missing) else {
            return Ok(None);
        };
        Ok(match target.basis {
            TargetBasis::EachPeriod => Some(Compared {
                value: latest.value.unwrap_or_default(),
                periods: vec![latest.period.clone()],
                what: format!("the value for {}", latest.period),
                share: 1.0,
                rule: "I5",
            }),
            TargetBasis::Average => {
                let values: Vec<&Measurement> = self
                    .known
                    .iter()
                    .copied()
                    .filter(|m| covers(m) && !m.missing && !m.period.contains("-YTD"))
                    .collect();
                let sum: f64 = values.iter().filter_map(|m| m.value).sum();
                let periods: Vec<String> = values.iter().map(|m| m.period.clone()).collect();
                (!values.is_empty()).then(|| Compared {
                    value: sum / values.len() as f64,
                    what: format!("the average over {}", periods.join(", ")),
                    periods,
                    share: 1.0,
                    rule: "I5",
                })
            }
        })
    }
}

/// Whether a target covers a period's days.
pub fn target_covers(target: &Target, start: NaiveDate, end: NaiveDate) -> bool {
    target_days(target).is_some_and(|(first, last)| start >= first && end <= last)
}

/// The first and last day a target covers.
fn target_days(target: &Target) -> Option<(NaiveDate, NaiveDate)> {
    let (first, _) = periods::span(&target.from)?;
    let (_, last) = periods::span(target.to.as_deref().unwrap_or(&target.from))?;
    Some((first, last))
}

/// Rule I4 (what a target is in the indicator's unit) and I5 (the light).
fn compare(indicator: &Indicator, target: &Target, compared: Compared) -> TargetCheck {
    let Compared {
        value,
        periods,
        what,
        share,
        rule,
    } = compared;
    let target_value = target
        .value
        .or_else(|| {
            let change = target.change_from_baseline_percent?;
            Some(indicator.baseline_value? * (1.0 + change / 100.0))
        })
        .map(|t| t * share);
    let tolerance_of = |reference: f64| match indicator.tolerance_unit {
        ToleranceUnit::Absolute => indicator.yellow_tolerance * share,
        ToleranceUnit::Percent => reference.abs() * indicator.yellow_tolerance / 100.0,
    };
    let unit = &indicator.unit_of_measure;
    let (status, tolerance, explanation) = match (indicator.direction, target_value) {
        (Direction::HigherIsBetter, Some(t)) => {
            let tol = tolerance_of(t);
            let light = if value >= t {
                Light::Green
            } else if value >= t - tol {
                Light::Yellow
            } else {
                Light::Red
            };
            (light, tol, format!("{what}, {} {unit}, against the target of at least {} {unit} (yellow from {} {unit}): {light}", num(value), num(t), num(t - tol)))
        }
        (Direction::LowerIsBetter, Some(t)) => {
            let tol = tolerance_of(t);
            let light = if value <= t {
                Light::Green
            } else if value <= t + tol {
                Light::Yellow
            } else {
                Light::Red
            };
            (light, tol, format!("{what}, {} {unit}, against the target of at most {} {unit} (yellow up to {} {unit}): {light}", num(value), num(t), num(t + tol)))
        }
        (Direction::TargetRange, _) => {
            let (min, max) = (
                target.min.map_or(f64::NEG_INFINITY, |min| min * share),
                target.max.map_or(f64::INFINITY, |max| max * share),
            );
            let reference = if value < min { min } else { max };
            let tol = tolerance_of(if reference.is_finite() {
                reference
            } else {
                value
            });
            let light = if (min..=max).contains(&value) {
                Light::Green
            } else if value >= min - tol && value <= max + tol {
                Light::Yellow
            } else {
                Light::Red
            };
            let band = match (target.min, target.max) {
                (Some(min), Some(max)) => format!("between {} and {} {unit}", num(min), num(max)),
                (Some(min), None) => format!("at least {} {unit}", num(min)),
                (None, Some(max)) => format!("at most {} {unit}", num(max)),
                (None, None) => "any value".to_string(),
            };
            (light, tol, format!("{what}, {} {unit}, against the band {band} (yellow within {} {unit} of it): {light}", num(value), num(tol)))
        }
        (_, None) => (
            Light::InsufficientData,
            0.0,
            format!("{what}: the target is a change from a baseline the indicator does not have"),
        ),
    };
    TargetCheck {
        target: target.clone(),
        compared_value: value,
        periods,
        target_value,
        tolerance,
        status,
        rule: rule.to_string(),
        explanation,
    }
}

/// A figure as people read it: at most four decimals, no float noise (4.92, not
/// 4.919999999999999).
fn num(x: f64) -> String {
    let rounded = format!("{x:.4}");
    let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
    if trimmed == "-0" {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// A child of a goal in a roll-up: an indicator or a department goal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollUpChild {
    /// `indicator` or `department_goal`.
    pub kind: String,
    pub id: Id,
    pub name: String,
    pub status: Light,
    pub weight: f64,
    /// Whether it counted (it has data and weight).
    pub counted: bool,
}

/// A follow-up's assessment as it bears on a status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentOverride {
    pub follow_up_id: Id,
    pub assessment: Assessment,
    /// The status the assessment stands for.
    pub status: Light,
    pub analysis: String,
}

/// A goal's or department goal's status for a reporting period, with why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GoalStatus {
    /// The status shown: the assessed one when a follow-up overrides, else the computed one.
    pub status: Light,
    /// The status the rules compute from the children.
    pub computed_status: Light,
    /// The rule that decided the status shown: `G5` when a follow-up's assessment
    /// overrides, else the computed status's.
    pub rule: String,
    /// Why the status shown is what it is.
    pub explanation: String,
    /// The rule that decided the computed status: `G1`…`G4`.
    pub computed_rule: String,
    /// Why the computed status is what it is.
    pub computed_explanation: String,
    /// The weighted mean score (green 1, yellow 0.5, red 0) of the children that counted.
    pub score: Option<f64>,
    pub children: Vec<RollUpChild>,
    /// The follow-up assessment that overrides the computed status (rule G5), if any.
    pub assessment: Option<AssessmentOverride>,
}

/// Rolls up children (G1–G4) and applies a follow-up's assessment (G5).
pub fn goal_status(children: Vec<RollUpChild>, follow_up: Option<&FollowUp>) -> GoalStatus {
    let mut children = children;
    let mut total_weight = 0.0;
    let mut weighted = 0.0;
    for child in &mut children {
        if let Some(score) = child.status.score().filter(|_| child.weight > 0.0) {
            child.counted = true;
            total_weight += child.weight;
            weighted += child.weight * score;
        }
    }
    let (computed, rule, explanation, score) = if children.is_empty() {
        (
            Light::InsufficientData,
            "G1",
            "no indicators or department goals to roll up".to_string(),
            None,
        )
    } else if total_weight == 0.0 {
        (
            Light::InsufficientData,
            "G3",
            format!(
                "none of its {} indicators and department goals has data",
                children.len()
            ),
            None,
        )
    } else {
        let mean = weighted / total_weight;
        let light = if mean >= 0.8 {
            Light::Green
        } else if mean >= 0.5 {
            Light::Yellow
        } else {
            Light::Red
        };
        let counted = children.iter().filter(|c| c.counted).count();
        (
            light,
            "G4",
            format!(
                "weighted mean score {:.2} of {counted} of {} children (green 1, yellow 0.5, red 0; green from 0.8, yellow from 0.5): {light}",
                mean,
                children.len()
            ),
            Some(mean),
        )
    };
    let assessment = follow_up.and_then(|f| {
        let status = match f.assessment {
            Assessment::Achieved => Light::Green,
            Assessment::PartlyAchieved => Light::Yellow,
            Assessment::NotAchieved => Light::Red,
            Assessment::NotAssessed => return None,
        };
        Some(AssessmentOverride {
            follow_up_id: f.id.clone(),
            assessment: f.assessment,
            status,
            analysis: f.analysis.clone()?,
        })
    });
    let (shown_rule, shown_explanation) = match &assessment {
        Some(assessed) => (
            "G5".to_string(),
            format!(
                "the follow-up's assessment `{}` with its analysis overrides the computed {computed}: {}",
                assessed.assessment, assessed.status
            ),
        ),
        None => (rule.to_string(), explanation.clone()),
    };
    GoalStatus {
        status: assessment.as_ref().map_or(computed, |a| a.status),
        computed_status: computed,
        rule: shown_rule,
        explanation: shown_explanation,
        computed_rule: rule.into(),
        computed_explanation: explanation,
        score,
        children,
        assessment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::types::{JsonList, UtcTime};
    use crate::store::indicators::{Source, UpdateFrequency};

    fn indicator(direction: Direction, targets: Vec<Target>, baseline: Option<f64>) -> Indicator {
        let now = UtcTime::now();
        Indicator {
            id: Id::new(),
            organization_id: Id::new(),
            goal_id: Some(Id::new()),
            department_goal_id: None,
            owner_unit_id: Some(Id::new()),
            name: "x".into(),
            description: None,
            unit_of_measure: "%".into(),
            direction,
            baseline_value: baseline,
            baseline_period: baseline.map(|_| "1990".into()),
            targets: JsonList::new(targets),
            yellow_tolerance: 0.5,
            tolerance_unit: ToleranceUnit::Absolute,
            weight: 1.0,
            source: Source::Manual,
            kolada_kpi: None,
            kolada_municipality: None,
            kolada_ou: None,
            update_frequency: UpdateFrequency::Yearly,
            year_to_date: YearToDate::NotComparable,
            publication_lag_years: 0,
            predecessor_id: None,
            external_id: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn value(period: &str, value: Option<f64>) -> Measurement {
        let (start, end) = periods::span(period).expect("a test period");
        let now = UtcTime::now();
        Measurement {
            id: Id::new(),
            organization_id: Id::new(),
            indicator_id: Id::new(),
            period: period.into(),
            period_start: start,
            period_end: end,
            kind: MeasurementKind::Outcome,
            value,
            value_women: None,
            value_men: None,
            missing: value.is_none(),
            note: None,
            source: Source::Manual,
            recorded_by: "t".into(),
            recorded_by_name: None,
            provenance: None,
            imported_at: None,
            external_id: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn target(from: &str, to: Option<&str>, basis: TargetBasis, value: Option<f64>) -> Target {
        Target {
            from: from.into(),
            to: to.map(Into::into),
            basis,
            value,
            change_from_baseline_percent: None,
            min: None,
            max: None,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a test day")
    }

    /// Goal 3: at least 2 % each year and at least 2.5 % on average over the period.
    fn goal_3() -> Indicator {
        indicator(
            Direction::HigherIsBetter,
            vec![
                target("2011", Some("2014"), TargetBasis::EachPeriod, Some(2.0)),
                target("2011", Some("2014"), TargetBasis::Average, Some(2.5)),
            ],
            None,
        )
    }

    fn at_least_two_each_year() -> Indicator {
        let mut ind = goal_3();
        ind.targets = JsonList::new(ind.targets.items()[..1].to_vec());
        ind
    }

    #[test]
    fn a_year_above_two_but_an_average_below_two_and_a_half_is_the_worse_of_both() {
        let ind = goal_3();
        let (a, b) = (value("2011", Some(3.0)), value("2012", Some(1.0)));
        let status = indicator_status(&ind, &[&a, &b], day(2012, 12, 31));
        assert_eq!(status.status, Light::Red, "{status:?}");
        assert_eq!(status.rule, "I6");
        assert_eq!(status.targets[0].status, Light::Red); // 1.0 < 2.0 − 0.5
        assert_eq!(status.targets[1].status, Light::Yellow); // mean 2.0 ≥ 2.5 − 0.5
        assert_eq!(status.targets[1].compared_value, 2.0);
        let early = indicator_status(&ind, &[&a, &b], day(2011, 12, 31));
        assert_eq!(early.status, Light::Green, "{early:?}");
    }

    fn forecast(period: &str, v: f64) -> Measurement {
        Measurement {
            kind: MeasurementKind::Forecast,
            ..value(period, Some(v))
        }
    }

    /// Goal 3 in the annual report: 2011 = 2.4 is yellow on the average rule, whatever
    /// part-year values exist; a tertial's figure never enters an average of years.
    #[test]
    fn a_part_year_value_never_enters_an_annual_average() {
        let ind = goal_3();
        let year = value("2011", Some(2.4));
        let tertial = value("2011-T2", Some(3.1));
        let to_date = value("2011-YTD08", Some(3.3));
        let status = indicator_status(&ind, &[&year, &tertial, &to_date], day(2011, 12, 31));
        assert_eq!(status.status, Light::Yellow, "{status:?}");
        assert_eq!(status.targets[1].periods, vec!["2011"]);
        assert_eq!(status.targets[1].compared_value, 2.4);
    }

    /// At an interim report the year is judged on its forecast, saying so (I7); without one,
    /// on the year to date only where the indicator says it compares (I8), else no status (I9).
    #[test]
    fn before_the_year_ends_an_annual_target_is_judged_on_the_forecast() {
        let mut ind = at_least_two_each_year();
        let interim = day(2011, 8, 31);
        let to_date = value("2011-YTD08", Some(1.8));
        let (low, high) = (forecast("2011", 1.2), forecast("2011", 2.1));
        let judged = indicator_status(&ind, &[&to_date, &high], interim);
        assert_eq!((judged.status, judged.rule.as_str()), (Light::Green, "I7"));
        assert!(
            judged.explanation.contains("forecast for 2011"),
            "{}",
            judged.explanation
        );
        let red = indicator_status(&ind, &[&to_date, &low], interim);
        assert_eq!(red.status, Light::Red);
        // The forecast is not the outcome: at the annual report only the outcome counts.
        let year_end = indicator_status(&ind, &[&to_date, &high], day(2011, 12, 31));
        assert_eq!(
            (year_end.status, year_end.rule.as_str()),
            (Light::InsufficientData, "I9")
        );

        let unjudged = indicator_status(&ind, &[&to_date], interim);
        assert_eq!(
            (unjudged.status, unjudged.rule.as_str()),
            (Light::InsufficientData, "I9")
        );
        ind.year_to_date = YearToDate::AsIs;
        let as_is = indicator_status(&ind, &[&to_date], interim);
        assert_eq!((as_is.status, as_is.rule.as_str()), (Light::Yellow, "I8"));
    }

    /// A net cost against its budget: eight months' outcome against eight twelfths of it.
    #[test]
    fn a_pro_rated_target_takes_the_share_of_the_months_so_far() {
        let mut ind = indicator(
            Direction::LowerIsBetter,
            vec![target("2011", None, TargetBasis::EachPeriod, Some(90.0))],
            None,
        );
        ind.year_to_date = YearToDate::ProRata;
        ind.yellow_tolerance = 3.0;
        let to_date = value("2011-YTD08", Some(61.0));
        let status = indicator_status(&ind, &[&to_date], day(2011, 8, 31));
        assert_eq!(status.targets[0].target_value, Some(60.0));
        assert_eq!(status.targets[0].tolerance, 2.0);
        assert_eq!((status.status, status.rule.as_str()), (Light::Yellow, "I8"));
    }

    /// Goal 7: 40 % below the 1990 baseline by 2020, lower is better.
    #[test]
    fn a_change_from_the_baseline_is_worked_out_in_the_indicators_unit() {
        let mut ind = indicator(Direction::LowerIsBetter, vec![], Some(10.0));
        ind.targets = JsonList::new(vec![Target {
            change_from_baseline_percent: Some(-40.0),
            ..target("2020", None, TargetBasis::EachPeriod, None)
        }]);
        let v = value("2020", Some(6.3));
        let status = indicator_status(&ind, &[&v], day(2020, 12, 31));
        assert_eq!(status.targets[0].target_value, Some(6.0));
        assert_eq!(status.status, Light::Yellow, "{status:?}");
        // On the way, each year has the target on the straight line from the baseline
        // (10 in 1990) to 6 in 2020: 6.93 for 2013 (I10).
        let early = value("2013", Some(7.0));
        let on_the_way = indicator_status(&ind, &[&early], day(2013, 12, 31));
        assert_eq!(
            (on_the_way.status, on_the_way.rule.as_str()),
            (Light::Yellow, "I10")
        );
        let implied = on_the_way.targets[0].target_value.unwrap_or_default();
        assert!((implied - 6.9333).abs() < 0.001, "{implied}");
        assert!(
            on_the_way
                .explanation
                .contains("on the path from 10 in 1990 to 6 in 2020 the target for 2013 is 6.9333; from 7 in 2013, -0.1429 a year is needed"),
            "{}",
            on_the_way.explanation
        );
        let on_track = value("2013", Some(6.9));
        let green = indicator_status(&ind, &[&on_track], day(2013, 12, 31));
        assert_eq!(green.status, Light::Green);
        // A milestone for 2015 bends the path: 2013 lies between 1990 and 2015.
        ind.targets = JsonList::new(vec![
            Target {
                value: Some(7.5),
                ..target("2015", None, TargetBasis::EachPeriod, None)
            },
            Target {
                change_from_baseline_percent: Some(-40.0),
                ..target("2020", None, TargetBasis::EachPeriod, None)
            },
        ]);
        let milestone = indicator_status(&ind, &[&on_track], day(2013, 12, 31));
        assert_eq!(milestone.status, Light::Green);
        assert!(
            milestone.explanation.contains("to 7.5 in 2015"),
            "{}",
            milestone.explanation
        );
        // Without a baseline or a milestone before the year there is no path.
        ind.baseline_value = None;
        let no_path = indicator_status(&ind, &[&on_track], day(2013, 12, 31));
        assert_eq!(no_path.status, Light::InsufficientData);
    }

    /// Emissions are published a year late: the annual report 2011 judges 2010, saying so.
    #[test]
    fn a_publication_lag_judges_the_latest_year_that_can_have_a_value() {
        let mut ind = at_least_two_each_year();
        ind.targets = JsonList::new(vec![target(
            "2010",
            Some("2014"),
            TargetBasis::EachPeriod,
            Some(2.0),
        )]);
        ind.publication_lag_years = 1;
        let last_year = value("2010", Some(2.2));
        let status = indicator_status(&ind, &[&last_year], day(2011, 12, 31));
        assert_eq!((status.status, status.rule.as_str()), (Light::Green, "I5"));
        assert!(
            status.explanation.starts_with(
                "its values are published 1 year late, so 2010 is the latest year judged"
            ),
            "{}",
            status.explanation
        );
        ind.publication_lag_years = 0;
        let unlagged = indicator_status(&ind, &[&last_year], day(2011, 12, 31));
        assert_eq!(
            (unlagged.status, unlagged.rule.as_str()),
            (Light::InsufficientData, "I9")
        );
    }

    #[test]
    fn missing_is_insufficient_data_never_red_and_old_values_are_stale() {
        let ind = at_least_two_each_year();
        let (a, b) = (value("2011", Some(1.0)), value("2012", None));
        let status = indicator_status(&ind, &[&a, &b], day(2012, 12, 31));
        assert_eq!(status.status, Light::InsufficientData);
        assert_eq!(status.rule, "I2");
        let none = indicator_status(&ind, &[], day(2012, 12, 31));
        assert_eq!((none.rule.as_str(), none.stale), ("I1", true));
        let later = indicator_status(&ind, &[&a], day(2013, 6, 30));
        assert!(later.stale, "a yearly value from 2011 is stale in mid-2013");
        let fresh = indicator_status(&ind, &[&a], day(2012, 6, 30));
        assert!(!fresh.stale);
    }

    #[test]
    fn explanations_show_figures_as_people_write_them() {
        assert_eq!(num(8.2 * (1.0 - 40.0 / 100.0)), "4.92");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(1234.56789), "1234.5679");
    }

    fn child(status: Light, weight: f64) -> RollUpChild {
        RollUpChild {
            kind: "indicator".into(),
            id: Id::new(),
            name: "c".into(),
            status,
            weight,
            counted: false,
        }
    }

    #[test]
    fn a_goal_rolls_up_weighted_and_an_assessment_with_analysis_overrides() {
        let rolled = goal_status(
            vec![
                child(Light::Green, 3.0),
                child(Light::Red, 1.0),
                child(Light::InsufficientData, 5.0),
            ],
            None,
        );
        assert_eq!(rolled.score, Some(0.75));
        assert_eq!(rolled.status, Light::Yellow);
        assert_eq!(goal_status(vec![], None).rule, "G1");
        let now = UtcTime::now();
        let mut follow_up = FollowUp {
            id: Id::new(),
            organization_id: Id::new(),
            reporting_period_id: Id::new(),
            goal_id: Some(Id::new()),
            department_goal_id: None,
            reporting_unit_id: Id::new(),
            assessment: Assessment::Achieved,
            analysis: None,
            planned_measures: None,
            proposed_revision: None,
            state: crate::store::follow_ups::FollowUpState::Approved,
            author_subject: "t".into(),
            author_name: None,
            submitted_at: None,
            approved_at: None,
            published_at: None,
            external_id: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
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
        };
        let children = vec![child(Light::Red, 1.0)];
        let without_analysis = goal_status(children.clone(), Some(&follow_up));
        assert_eq!(without_analysis.status, Light::Red);
        follow_up.analysis = Some("Engångsintäkter".into());
        let overridden = goal_status(children, Some(&follow_up));
        assert_eq!(overridden.status, Light::Green);
        assert_eq!(overridden.computed_status, Light::Red);
        assert_eq!(
            (overridden.rule.as_str(), overridden.computed_rule.as_str()),
            ("G5", "G4")
        );
    }
}
