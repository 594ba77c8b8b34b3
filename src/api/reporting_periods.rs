//! `/api/v1/reporting-periods`: tertial, delårsrapport, årsredovisning.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_NAME};
use crate::store::reporting_periods::{
    self, ReportingPeriod, ReportingPeriodFilter, ReportingPeriodKind, ReportingPeriodStatus,
};
use crate::store::Tx;

/// A new reporting period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReportingPeriod {
    pub plan_period_id: Id,
    pub kind: ReportingPeriodKind,
    #[schema(example = "Delårsrapport 2011")]
    #[schema(format = "text:name")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2011-08-31")]
    pub end_date: NaiveDate,
    #[schema(example = "2011-09-30")]
    pub follow_up_deadline: Option<NaiveDate>,
    /// Defaults to `open`.
    pub status: Option<ReportingPeriodStatus>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a reporting period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReportingPeriod {
    pub plan_period_id: Option<Id>,
    pub kind: Option<ReportingPeriodKind>,
    #[schema(format = "text:name")]
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub follow_up_deadline: Option<Option<NaiveDate>>,
    pub status: Option<ReportingPeriodStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for ReportingPeriod {
    type Create = CreateReportingPeriod;
    type Patch = UpdateReportingPeriod;
    const PATH: &'static str = "/api/v1/reporting-periods";

    fn build(
        organization_id: Id,
        input: CreateReportingPeriod,
        now: UtcTime,
    ) -> AppResult<ReportingPeriod> {
        let meta = new_meta(now);
        let mut period = ReportingPeriod {
            id: meta.id,
            organization_id,
            plan_period_id: input.plan_period_id,
            kind: input.kind,
            name: input.name,
            start_date: input.start_date,
            end_date: input.end_date,
            follow_up_deadline: input.follow_up_deadline,
            status: input.status.unwrap_or(ReportingPeriodStatus::Open),
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut period)?;
        Ok(period)
    }

    fn apply(&mut self, patch: UpdateReportingPeriod) -> AppResult<()> {
        if let Some(plan_period_id) = patch.plan_period_id {
            self.plan_period_id = plan_period_id;
        }
        if let Some(kind) = patch.kind {
            self.kind = kind;
        }
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(start) = patch.start_date {
            self.start_date = start;
        }
        if let Some(end) = patch.end_date {
            self.end_date = end;
        }
        if let Some(deadline) = patch.follow_up_deadline {
            self.follow_up_deadline = deadline;
        }
        if let Some(status) = patch.status {
            self.status = status;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&ReportingPeriod>) -> AppResult<()> {
        reporting_periods::check(conn, self, before)
    }
}

fn validate(period: &mut ReportingPeriod) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut period.name, MAX_NAME);
    checks.date_order("start_date", period.start_date, "end_date", period.end_date);
    checks.optional_text("external_id", &mut period.external_id, MAX_NAME);
    checks.finish()
}

/// Filters for listing reporting periods.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportingPeriodListParams {
    /// Only periods of this plan period.
    pub plan_period_id: Option<Id>,
    pub status: Option<ReportingPeriodStatus>,
    pub kind: Option<ReportingPeriodKind>,
    /// Include archived periods.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's reporting periods.
    fn list_reporting_periods("/reporting-periods", tag = "reporting-periods", ReportingPeriodListParams => ReportingPeriod)
    |params| {
        let filter = ReportingPeriodFilter {
            plan_period_id: params.plan_period_id,
            status: params.status,
            kind: params.kind,
        };
        move |conn, org, page| Ok(reporting_periods::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: ReportingPeriod,
    tag: "reporting-periods",
    collection: "/reporting-periods",
    item: "/reporting-periods/{id}",
    create: create_reporting_period(CreateReportingPeriod) "Create a reporting period within a plan period (admin).",
    get: get_reporting_period "Get one reporting period.",
    update: update_reporting_period(UpdateReportingPeriod) "Change a reporting period, e.g. close it (admin).",
    archive: archive_reporting_period "/reporting-periods/{id}/archive" "Archive a reporting period.",
    unarchive: unarchive_reporting_period "/reporting-periods/{id}/unarchive" "Restore an archived reporting period.",
    delete: delete_reporting_period "Delete a reporting period that nothing references (otherwise archive it).",
}
