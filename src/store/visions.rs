//! The vision and purpose (syfte) the council adopts for a plan period.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::visions;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::goals::GoalState;
use crate::store::plan_periods::PlanPeriod;
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged};

/// An organization's vision and purpose for one plan period (one per plan period); adopted
/// and revised by the council like an overarching goal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = visions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Vision {
    pub id: Id,
    pub organization_id: Id,
    pub plan_period_id: Id,
    #[schema(example = "Värnamo – den mänskliga tillväxtkommunen.")]
    pub vision: String,
    #[schema(
        example = "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet."
    )]
    pub purpose: String,
    /// The decision in force: the one that adopted it or its latest revision.
    #[schema(example = "KF 2010-11-25 § 123")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The deciding body (a council) of the decision in force.
    pub decided_by_unit_id: Option<Id>,
    pub state: GoalState,
    /// The record of the previous plan period this one was copied from when that plan period
    /// was rolled over (`POST /plan-periods/{id}/roll-over`); null otherwise. Only the
    /// roll-over sets it.
    pub predecessor_id: Option<Id>,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(Vision, visions, Kind::Vision);

/// One page of visions, of one plan period if given, of only these ids if given.
pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: Option<&Id>,
    only: Option<&[Id]>,
    page: &PageRequest,
) -> QueryResult<Vec<Vision>> {
    use crate::db::schema::visions::dsl as t;
    let mut query = t::visions.filter(t::organization_id.eq(org)).into_boxed();
    if let Some(plan_period) = plan_period {
        query = query.filter(t::plan_period_id.eq(plan_period.clone()));
    }
    if let Some(ids) = only {
        query = query.filter(t::id.eq_any(ids.to_vec()));
    }
    paged!(query, t, page).load(conn)
}

/// The vision of a plan period, if there is one (archived ones included).
pub fn for_plan_period(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
) -> QueryResult<Option<Vision>> {
    use crate::db::schema::visions::dsl as t;
    t::visions
        .filter(t::organization_id.eq(org))
        .filter(t::plan_period_id.eq(plan_period))
        .first(conn)
        .optional()
}

/// One vision per organization and plan period.
pub fn check(conn: &mut Tx, vision: &Vision, before: Option<&Vision>) -> AppResult<()> {
    let new_period = is_new(before.map(|b| &b.plan_period_id), &vision.plan_period_id);
    referenced::<PlanPeriod>(
        conn,
        &vision.organization_id,
        &vision.plan_period_id,
        "plan_period_id",
        new_period,
    )?;
    if new_period {
        if let Some(existing) =
            for_plan_period(conn, &vision.organization_id, &vision.plan_period_id)?
        {
            return Err(AppError::conflict(
                "plan_period_id",
                format!("the plan period already has a vision ({})", existing.id),
            ));
        }
    }
    Ok(())
}
