//! Measurement periods as people and Kolada write them: a year (`2011`), a half year
//! (`2011-H1`), a tertial (`2011-T2`), a quarter (`2011-Q3`), a month (`2011-05`), or the
//! year to date (`2011-YTD08`: January through August, *ackumulerat*). Each names a span of
//! days, which is how periods are compared and ordered.

use chrono::{Datelike, NaiveDate};

/// The first and last day of a period, or `None` when the text is not a period.
pub fn span(period: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, part) = match period.split_once('-') {
        Some((year, part)) => (year, Some(part)),
        None => (period, None),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let (first_month, months) = match part {
        None => (1, 12),
        Some(part) if part.starts_with("YTD") => {
            let month = &part[3..];
            if month.len() != 2 || !month.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let month: u32 = month.parse().ok()?;
            if !(1..=12).contains(&month) {
                return None;
            }
            (1, month)
        }
        Some(part) => {
            let (kind, number) = part.split_at_checked(1)?;
            let number: u32 = match kind {
                "H" | "T" | "Q" if number.len() == 1 => number.parse().ok()?,
                _ if part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()) => {
                    let month: u32 = part.parse().ok()?;
                    return month_span(year, month, 1);
                }
                _ => return None,
            };
            let months = match kind {
                "H" => 6,
                "T" => 4,
                _ => 3,
            };
            if number == 0 || number * months > 12 {
                return None;
            }
            ((number - 1) * months + 1, months)
        }
    };
    month_span(year, first_month, months)
}

fn month_span(year: i32, first_month: u32, months: u32) -> Option<(NaiveDate, NaiveDate)> {
    if !(1..=12).contains(&first_month) {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let after = start.checked_add_months(chrono::Months::new(months))?;
    Some((start, after.pred_opt()?))
}

/// What a period must look like, for error messages.
pub const FORMAT: &str = "a year (2011), half year (2011-H1), tertial (2011-T2), quarter (2011-Q3), month (2011-05) or year to date (2011-YTD08)";

/// Whether a period is a whole calendar year (`2011`).
pub fn is_year(period: &str) -> bool {
    period.len() == 4 && span(period).is_some()
}

/// The year a day falls in, as a period.
pub fn year_of(day: NaiveDate) -> String {
    format!("{:04}", day.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a valid test date")
    }

    #[test]
    fn periods_name_their_days() {
        assert_eq!(span("2011"), Some((d(2011, 1, 1), d(2011, 12, 31))));
        assert_eq!(span("2012-H2"), Some((d(2012, 7, 1), d(2012, 12, 31))));
        assert_eq!(span("2011-T2"), Some((d(2011, 5, 1), d(2011, 8, 31))));
        assert_eq!(span("2011-Q1"), Some((d(2011, 1, 1), d(2011, 3, 31))));
        assert_eq!(span("2012-02"), Some((d(2012, 2, 1), d(2012, 2, 29))));
        assert_eq!(span("2011-YTD08"), Some((d(2011, 1, 1), d(2011, 8, 31))));
        assert_eq!(span("2011-YTD12"), Some((d(2011, 1, 1), d(2011, 12, 31))));
        assert!(is_year("2011") && !is_year("2011-YTD12") && !is_year("2011-T2"));
        for bad in [
            "",
            "11",
            "2011-",
            "2011-13",
            "2011-00",
            "2011-T4",
            "2011-H0",
            "2011-Q5",
            "20x1",
            "2011-X1",
            "2011-Å1",
            "2011-1",
            "2011-YTD13",
            "2011-YTD00",
            "2011-YTD8",
            "2011-YTD",
            "2011-ytd08",
        ] {
            assert_eq!(span(bad), None, "{bad}");
        }
    }
}
