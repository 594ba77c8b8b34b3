//! Perspectives (huvudinriktningar, målområden) that group the overarching goals.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::perspectives;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::permissions::Kind;
use crate::store::plan_periods::PlanPeriod;
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// Whom a perspective's goals face.
    Focus {
        /// Citizens and customers (externt).
        External => "external",
        /// The organization itself (internt).
        Internal => "internal",
        Both => "both",
    }
}

/// A perspective of one plan period, e.g. "Resursmål – Ekonomi och Personal".
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = perspectives, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Perspective {
    pub id: Id,
    pub organization_id: Id,
    pub plan_period_id: Id,
    #[schema(example = "Medborgar/kundmål")]
    pub name: String,
    pub description: Option<String>,
    pub focus: Focus,
    /// Order among the plan period's perspectives, from 1.
    #[schema(example = 1)]
    pub position: i32,
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

impl_record!(Perspective, perspectives, Kind::Perspective);

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: Option<&Id>,
    focus: Option<Focus>,
    page: &PageRequest,
) -> QueryResult<Vec<Perspective>> {
    use crate::db::schema::perspectives::dsl as t;
    let mut query = t::perspectives
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(plan_period) = plan_period {
        query = query.filter(t::plan_period_id.eq(plan_period.clone()));
    }
    if let Some(focus) = focus {
        query = query.filter(t::focus.eq(focus));
    }
    paged!(query, t, page).load(conn)
}

/// The perspectives of a plan period that are not archived, in their order.
pub fn of_plan_period(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
) -> QueryResult<Vec<Perspective>> {
    use crate::db::schema::perspectives::dsl as t;
    t::perspectives
        .filter(t::organization_id.eq(org))
        .filter(t::plan_period_id.eq(plan_period))
        .filter(t::archived_at.is_null())
        .order((t::position.asc(), t::id.asc()))
        .load(conn)
}

pub fn check(
    conn: &mut Tx,
    perspective: &Perspective,
    before: Option<&Perspective>,
) -> AppResult<()> {
    referenced::<PlanPeriod>(
        conn,
        &perspective.organization_id,
        &perspective.plan_period_id,
        "plan_period_id",
        is_new(
            before.map(|b| &b.plan_period_id),
            &perspective.plan_period_id,
        ),
    )?;
    Ok(())
}
