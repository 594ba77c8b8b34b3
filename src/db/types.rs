//! Column types shared by every table: ids, timestamps, text-backed enums and JSON text.
//! Each is stored as a common SQL type (TEXT or TIMESTAMP) so both backends read it alike.

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Text, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

fn string_schema(format: KnownFormat) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .into()
}

/// A resource id: a UUID (v7 for new records, so ids sort by creation time), kept in its
/// canonical lower-case text form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Id(String);

impl Id {
    pub fn new() -> Self {
        Id(uuid::Uuid::now_v7().to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl std::str::FromStr for Id {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(|u| Id(u.to_string()))
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a UUID")))
    }
}

impl PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        string_schema(KnownFormat::Uuid)
    }
}
impl ToSchema for Id {}

impl<DB> ToSql<Text, DB> for Id
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for Id
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Id(String::from_sql(bytes)?))
    }
}

/// A point in time, UTC, microsecond precision (PostgreSQL's), shown as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub struct UtcTime(pub NaiveDateTime);

impl UtcTime {
    pub fn now() -> Self {
        let now = Utc::now().naive_utc();
        // Truncate to microseconds: SQLite would keep nanoseconds, PostgreSQL would not,
        // and both backends must return the same value (and the same ETag).
        let micros = now.nanosecond() / 1_000 * 1_000;
        UtcTime(now.with_nanosecond(micros).unwrap_or(now))
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(
            &self
                .0
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        )
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| UtcTime(t.naive_utc()))
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time")))
    }
}

impl PartialSchema for UtcTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        string_schema(KnownFormat::DateTime)
    }
}
impl ToSchema for UtcTime {}

impl<DB> ToSql<Timestamp, DB> for UtcTime
where
    DB: Backend,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.to_sql(out)
    }
}

impl<DB> FromSql<Timestamp, DB> for UtcTime
where
    DB: Backend,
    NaiveDateTime: FromSql<Timestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(UtcTime(NaiveDateTime::from_sql(bytes)?))
    }
}

/// A list kept as JSON text in one TEXT column (a goal's footnotes, an indicator's targets),
/// served as a JSON array. The text is encoded once, when the list is made or read.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct JsonList<T> {
    items: Vec<T>,
    encoded: String,
}

/// A list of strings (e.g. a goal's footnotes).
pub type TextList = JsonList<String>;

impl<T: Serialize> JsonList<T> {
    pub fn new(items: Vec<T>) -> Self {
        let encoded = serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_string());
        JsonList { items, encoded }
    }
}

impl<T> JsonList<T> {
    pub fn items(&self) -> &[T] {
        &self.items
    }
}

impl<T: Serialize> Default for JsonList<T> {
    fn default() -> Self {
        JsonList::new(Vec::new())
    }
}

impl<T: Serialize> Serialize for JsonList<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(s)
    }
}

impl<'de, T: Serialize + Deserialize<'de>> Deserialize<'de> for JsonList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(JsonList::new)
    }
}

impl<T: ToSchema> PartialSchema for JsonList<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(T::schema())
            .into()
    }
}
impl<T: ToSchema> ToSchema for JsonList<T> {
    /// `StringList`, `TargetList`: one component per item type.
    fn name() -> std::borrow::Cow<'static, str> {
        format!("{}List", T::name()).into()
    }
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        T::schemas(schemas);
    }
}

impl<T, DB> ToSql<Text, DB> for JsonList<T>
where
    T: std::fmt::Debug,
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.encoded.as_str().to_sql(out)
    }
}

impl<T, DB> FromSql<Text, DB> for JsonList<T>
where
    T: serde::de::DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let encoded = String::from_sql(bytes)?;
        let items: Vec<T> = serde_json::from_str(&encoded)?;
        Ok(JsonList { items, encoded })
    }
}

/// A JSON document kept as text (e.g. an audit entry's before and after), served as JSON.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct JsonDocument(String);

impl JsonDocument {
    pub fn of<T: Serialize>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(JsonDocument)
    }

    /// The document as a JSON value (null if the stored text is not JSON).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for JsonDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value: serde_json::Value =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        value.serialize(s)
    }
}

impl PartialSchema for JsonDocument {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new().schema_type(Type::Object).into()
    }
}
impl ToSchema for JsonDocument {}

impl<DB> ToSql<Text, DB> for JsonDocument
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for JsonDocument
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(JsonDocument(String::from_sql(bytes)?))
    }
}

/// Declares an enum that is a snake_case string in JSON, in the spec and in the database.
/// Each variant's text must be its name in snake_case (a test checks every enum).
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
                 utoipa::ToSchema, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {} `{other}`", stringify!($name))),
                }
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse::<$name>()?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::rules::permissions::Role;
    use crate::store::activities::ActivityStatus;
    use crate::store::contacts::ContactRole;
    use crate::store::goals::GoalState;
    use crate::store::perspectives::Focus;
    use crate::store::reporting_periods::{ReportingPeriodKind, ReportingPeriodStatus};
    use crate::store::units::UnitKind;

    fn same_in_json_and_database<T: serde::Serialize + std::fmt::Display>(all: &[T]) {
        for value in all {
            assert_eq!(
                serde_json::to_value(value).ok(),
                Some(serde_json::Value::String(value.to_string()))
            );
        }
    }

    #[test]
    fn every_enum_reads_the_same_in_json_and_in_the_database() {
        same_in_json_and_database(UnitKind::ALL);
        same_in_json_and_database(ActivityStatus::ALL);
        same_in_json_and_database(GoalState::ALL);
        same_in_json_and_database(Focus::ALL);
        same_in_json_and_database(ReportingPeriodKind::ALL);
        same_in_json_and_database(ReportingPeriodStatus::ALL);
        same_in_json_and_database(Role::ALL);
        same_in_json_and_database(ContactRole::ALL);
    }
}
