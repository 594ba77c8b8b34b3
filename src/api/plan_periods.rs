//! `/api/v1/plan-periods`: the periods goals are decided for (mandatperioder).

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::validate::{clean, Checks, MAX_NAME};
use crate::store::plan_periods::{self, PlanPeriod};

/// A new plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlanPeriod {
    #[schema(example = "Mandatperioden 2011–2014")]
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2014-12-31")]
    pub end_date: NaiveDate,
    #[schema(pattern = "^[^\\u0000]*$")]
    pub external_id: Option<String>,
}

/// Changes to a plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlanPeriod {
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
}

impl Resource for PlanPeriod {
    type Create = CreatePlanPeriod;
    type Patch = UpdatePlanPeriod;
    const PATH: &'static str = "/api/v1/plan-periods";

    fn build(organization_id: Id, input: CreatePlanPeriod, now: UtcTime) -> AppResult<PlanPeriod> {
        let meta = new_meta(now);
        let mut period = PlanPeriod {
            id: meta.id,
            organization_id,
            name: input.name,
            start_date: input.start_date,
            end_date: input.end_date,
            external_id: clean(input.external_id),
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut period)?;
        Ok(period)
    }

    fn apply(&mut self, patch: UpdatePlanPeriod) -> AppResult<()> {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(start) = patch.start_date {
            self.start_date = start;
        }
        if let Some(end) = patch.end_date {
            self.end_date = end;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = clean(external_id);
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut DbConnection, before: Option<&PlanPeriod>) -> AppResult<()> {
        plan_periods::check(conn, self, before)
    }
}

fn validate(period: &mut PlanPeriod) -> AppResult<()> {
    period.name = period.name.trim().to_string();
    let mut checks = Checks::new();
    checks.text("name", &period.name, MAX_NAME);
    checks.date_order("start_date", period.start_date, "end_date", period.end_date);
    checks.optional_text("external_id", period.external_id.as_ref(), MAX_NAME);
    checks.finish()
}

/// Paging for plan periods.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanPeriodListParams {
    /// Include archived plan periods.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's plan periods.
    fn list_plan_periods("/plan-periods", tag = "plan-periods", PlanPeriodListParams => PlanPeriod)
    |_params| |conn, org, page| Ok(plan_periods::list(conn, org, page)?)
}

crate::crud_endpoints! {
    record: PlanPeriod,
    tag: "plan-periods",
    collection: "/plan-periods",
    item: "/plan-periods/{id}",
    create: create_plan_period(CreatePlanPeriod) "Create a plan period (admin).",
    get: get_plan_period "Get one plan period.",
    update: update_plan_period(UpdatePlanPeriod) "Change a plan period (admin).",
    archive: archive_plan_period "/plan-periods/{id}/archive" "Archive a plan period: nothing new can be planned in it.",
    unarchive: unarchive_plan_period "/plan-periods/{id}/unarchive" "Restore an archived plan period.",
    delete: delete_plan_period "Delete a plan period that nothing references (otherwise archive it).",
}
