//! Organizations (kommuner): the tenants. Every other record belongs to exactly one.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::organizations;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::Record;
use crate::store::Tx;

/// A municipality using the service.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Organization {
    pub id: Id,
    #[schema(example = "Värnamo kommun")]
    pub name: String,
    /// The municipality code (kommunkod) as in Kolada, four digits.
    #[schema(example = "0683")]
    pub municipality_code: String,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

pub fn find(conn: &mut DbConnection, id: &Id) -> QueryResult<Option<Organization>> {
    use crate::db::schema::organizations::dsl as t;
    // Unique: no LIMIT, as in `Record::find`.
    t::organizations
        .filter(t::id.eq(id))
        .get_result(conn)
        .optional()
}

/// Every organization, by municipality code (the operator's list).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Organization>> {
    use crate::db::schema::organizations::dsl as t;
    t::organizations.order(t::municipality_code).load(conn)
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Organization>> {
    use crate::db::schema::organizations::dsl as t;
    t::organizations
        .filter(t::municipality_code.eq(code))
        .first(conn)
        .optional()
}

/// An organization is its own tenant: a caller sees it only when `org` is its id.
impl Record for Organization {
    const KIND: Kind = Kind::Organization;
    fn id(&self) -> &Id {
        &self.id
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn archived_at(&self) -> Option<UtcTime> {
        self.archived_at
    }
    fn mark_changed(&mut self, now: UtcTime, archived_at: Option<UtcTime>) {
        self.updated_at = now;
        self.archived_at = archived_at;
        self.version += 1;
    }
    fn find(conn: &mut DbConnection, org: &Id, id: &Id) -> QueryResult<Option<Self>> {
        if org != id {
            return Ok(None);
        }
        find(conn, id)
    }
    fn insert(&self, tx: &mut Tx) -> QueryResult<()> {
        use crate::db::schema::organizations::dsl as t;
        diesel::insert_into(t::organizations)
            .values(self)
            .execute(&mut **tx)
            .map(|_| ())
    }
    fn update(&self, tx: &mut Tx, expected: i32) -> QueryResult<usize> {
        use crate::db::schema::organizations::dsl as t;
        crate::db::WholeRowUpdate::new(
            t::organizations,
            self.as_changeset(),
            t::id.eq(&self.id).and(t::version.eq(expected)),
        )
        .execute(&mut **tx)
    }
    fn delete(tx: &mut Tx, org: &Id, id: &Id) -> QueryResult<usize> {
        use crate::db::schema::organizations::dsl as t;
        if org != id {
            return Ok(0);
        }
        diesel::delete(t::organizations.filter(t::id.eq(id))).execute(&mut **tx)
    }
}

/// The municipality code is free.
pub fn check(
    conn: &mut DbConnection,
    org: &Organization,
    before: Option<&Organization>,
) -> AppResult<()> {
    if before.is_none_or(|b| b.municipality_code != org.municipality_code) {
        if let Some(other) = find_by_code(conn, &org.municipality_code)? {
            if other.id != org.id {
                return Err(AppError::conflict(
                    "municipality_code",
                    "another organization has this municipality code",
                ));
            }
        }
    }
    Ok(())
}
