//! The unit tree: council, boards, administrations, units and work teams.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::units;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::rules::tree;
use crate::store::Tx;
use crate::store::{contacts, is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// What a unit is in the municipality's organization.
    UnitKind {
        /// The municipality as a whole (kommun).
        Municipality => "municipality",
        /// Kommunfullmäktige or kommunstyrelse: adopts vision and overarching goals.
        Council => "council",
        /// A board (nämnd): adopts department goals.
        Board => "board",
        /// The civil-service side of a board (förvaltning).
        Administration => "administration",
        /// An operational unit (enhet, verksamhet).
        Unit => "unit",
        /// A work team (arbetslag): keeps activity plans.
        Team => "team",
    }
}

/// A unit of the organization; units form one tree per organization.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = units, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Unit {
    pub id: Id,
    pub organization_id: Id,
    /// The unit above this one; none for a root.
    pub parent_id: Option<Id>,
    pub kind: UnitKind,
    #[schema(example = "Barn- och utbildningsnämnden")]
    pub name: String,
    #[schema(example = "BUN")]
    pub short_code: Option<String>,
    /// The id this unit has in another system (unique per organization).
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    /// Increases with every change; the ETag is built from it.
    pub version: i32,
}

impl_record!(Unit, units, Kind::Unit);

/// List filters for units.
#[derive(Debug, Default)]
pub struct UnitFilter {
    pub parent_id: Option<Id>,
    pub kind: Option<UnitKind>,
    pub within: Option<Vec<Id>>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &UnitFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Unit>> {
    use crate::db::schema::units::dsl as t;
    let mut query = t::units.filter(t::organization_id.eq(org)).into_boxed();
    if let Some(parent) = &filter.parent_id {
        query = query.filter(t::parent_id.eq(parent.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(t::kind.eq(kind));
    }
    if let Some(within) = &filter.within {
        query = query.filter(t::id.eq_any(within.clone()));
    }
    paged!(query, t, page).load(conn)
}

/// The units of an organization with these ids (archived ones included).
pub fn by_ids(conn: &mut DbConnection, org: &Id, ids: &[Id]) -> QueryResult<Vec<Unit>> {
    use crate::db::schema::units::dsl as t;
    t::units
        .filter(t::organization_id.eq(org))
        .filter(t::id.eq_any(ids))
        .load(conn)
}

/// The ids of the organization's archived units.
pub fn archived_ids(
    conn: &mut DbConnection,
    org: &Id,
) -> QueryResult<std::collections::HashSet<Id>> {
    use crate::db::schema::units::dsl as t;
    Ok(t::units
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_not_null())
        .select(t::id)
        .load::<Id>(conn)?
        .into_iter()
        .collect())
}

/// Every (unit, parent) pair of an organization, archived ones included.
pub fn edges(conn: &mut DbConnection, org: &Id) -> QueryResult<Vec<(Id, Option<Id>)>> {
    use crate::db::schema::units::dsl as t;
    t::units
        .filter(t::organization_id.eq(org))
        .select((t::id, t::parent_id))
        .load(conn)
}

/// `root` and all units below it.
pub fn subtree_ids(conn: &mut DbConnection, org: &Id, root: &Id) -> QueryResult<Vec<Id>> {
    let edges = edges(conn, org)?;
    if !edges.iter().any(|(id, _)| id == root) {
        return Ok(Vec::new());
    }
    Ok(tree::subtree(root, &edges).into_iter().collect())
}

/// A caller's unit scope: the given units and every unit below them.
pub fn scope(
    conn: &mut DbConnection,
    org: &Id,
    roots: &[Id],
) -> QueryResult<std::collections::HashSet<Id>> {
    if roots.is_empty() {
        return Ok(Default::default());
    }
    let edges = edges(conn, org)?;
    Ok(roots
        .iter()
        .flat_map(|root| tree::subtree(root, &edges))
        .collect())
}

/// The work teams in the subtree of `root` (itself included).
pub fn teams_below(conn: &mut DbConnection, org: &Id, root: &Id) -> QueryResult<Vec<Id>> {
    use crate::db::schema::units::dsl as t;
    let rows: Vec<(Id, Option<Id>, UnitKind)> = t::units
        .filter(t::organization_id.eq(org))
        .select((t::id, t::parent_id, t::kind))
        .load(conn)?;
    let edges: Vec<(Id, Option<Id>)> = rows
        .iter()
        .map(|(id, parent, _)| (id.clone(), parent.clone()))
        .collect();
    let below = tree::subtree(root, &edges);
    Ok(rows
        .into_iter()
        .filter(|(id, _, kind)| *kind == UnitKind::Team && below.contains(id))
        .map(|(id, _, _)| id)
        .collect())
}

/// The tree rules: the parent exists in this organization, is not archived when newly
/// chosen, and is not the unit itself or one of its descendants. A board that owns
/// department goals, a team that has activities, or a unit that contacts serve keeps its
/// kind (or, for the last, one contacts may serve).
pub fn check(conn: &mut Tx, unit: &Unit, before: Option<&Unit>) -> AppResult<()> {
    let org = &unit.organization_id;
    if let Some(parent) = &unit.parent_id {
        let new_parent = is_new(before.and_then(|b| b.parent_id.as_ref()), parent);
        referenced::<Unit>(conn, org, parent, "parent_id", new_parent)?;
        if new_parent && before.is_some() {
            lock_tree(conn, org)?;
            if tree::would_cycle(&unit.id, parent, &edges(conn, org)?) {
                return Err(AppError::conflict(
                    "parent_id",
                    "a unit cannot be moved below itself or one of its own descendants",
                ));
            }
        }
    }
    if let Some(before) = before.filter(|b| b.kind != unit.kind) {
        let in_use = match before.kind {
            UnitKind::Board => {
                use crate::db::schema::department_goals::dsl as d;
                let owned = d::department_goals
                    .filter(d::owner_unit_id.eq(&unit.id))
                    .select(d::id)
                    .first::<Id>(&mut **conn)
                    .optional()?;
                owned.map(|_| "it owns department goals")
            }
            UnitKind::Team => {
                use crate::db::schema::activities::dsl as a;
                let planned = a::activities
                    .filter(a::team_id.eq(&unit.id))
                    .select(a::id)
                    .first::<Id>(&mut **conn)
                    .optional()?;
                planned.map(|_| "it has activities")
            }
            _ => None,
        };
        let in_use = match in_use {
            None if !contacts::UNIT_KINDS.contains(&unit.kind)
                && contacts::serve_unit(conn, &unit.id)? =>
            {
                Some("contacts serve it")
            }
            other => other,
        };
        if let Some(reason) = in_use {
            return Err(AppError::conflict(
                "kind",
                format!("the {} cannot change kind: {reason}", before.kind),
            ));
        }
    }
    Ok(())
}

/// On PostgreSQL, serializes moves within one organization's tree until the transaction
/// ends, so that two concurrent moves cannot together close a cycle. (SQLite writes are
/// serialized already.)
fn lock_tree(conn: &mut DbConnection, org: &Id) -> AppResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(org.as_str())
            .execute(pg)?;
    }
    Ok(())
}

/// A unit that must be of one kind (an activity's team, a department goal's board).
pub fn require_kind(
    conn: &mut Tx,
    org: &Id,
    id: &Id,
    field: &str,
    new_reference: bool,
    kinds: &[UnitKind],
) -> AppResult<Unit> {
    let unit = referenced::<Unit>(conn, org, id, field, new_reference)?;
    if !kinds.contains(&unit.kind) {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        return Err(AppError::invalid(
            field,
            format!(
                "must be a unit of kind {}, but {} is a {}",
                names.join(" or "),
                unit.name,
                unit.kind
            ),
        ));
    }
    Ok(unit)
}
