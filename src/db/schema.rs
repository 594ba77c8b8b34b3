//! diesel's view of the tables in `migrations/`. Ids, enums and JSON are TEXT on
//! both backends so that one set of queries serves SQLite and PostgreSQL.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        municipality_code -> Text,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        organization_id -> Text,
        parent_id -> Nullable<Text>,
        kind -> Text,
        name -> Text,
        short_code -> Nullable<Text>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    plan_periods (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        start_date -> Date,
        end_date -> Date,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    reporting_periods (id) {
        id -> Text,
        organization_id -> Text,
        plan_period_id -> Text,
        kind -> Text,
        name -> Text,
        start_date -> Date,
        end_date -> Date,
        follow_up_deadline -> Nullable<Date>,
        status -> Text,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    visions (id) {
        id -> Text,
        organization_id -> Text,
        plan_period_id -> Text,
        vision -> Text,
        purpose -> Text,
        decision_reference -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        decided_by_unit_id -> Nullable<Text>,
        state -> Text,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    perspectives (id) {
        id -> Text,
        organization_id -> Text,
        plan_period_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        focus -> Text,
        position -> Integer,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    goals (id) {
        id -> Text,
        organization_id -> Text,
        plan_period_id -> Text,
        perspective_id -> Text,
        owner_unit_id -> Text,
        number -> Integer,
        title -> Text,
        description -> Nullable<Text>,
        footnotes -> Text,
        decision_reference -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        decided_by_unit_id -> Nullable<Text>,
        state -> Text,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    department_goals (id) {
        id -> Text,
        organization_id -> Text,
        plan_period_id -> Text,
        goal_id -> Text,
        owner_unit_id -> Text,
        number -> Integer,
        title -> Text,
        description -> Nullable<Text>,
        footnotes -> Text,
        decision_reference -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        decided_by_unit_id -> Nullable<Text>,
        state -> Text,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        organization_id -> Text,
        team_id -> Text,
        goal_id -> Nullable<Text>,
        department_goal_id -> Nullable<Text>,
        title -> Text,
        description -> Nullable<Text>,
        responsible -> Nullable<Text>,
        due_date -> Nullable<Date>,
        status -> Text,
        done_on -> Nullable<Date>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        organization_id -> Text,
        role -> Text,
        name -> Text,
        title -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        perspective_id -> Nullable<Text>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    units,
    plan_periods,
    reporting_periods,
    visions,
    perspectives,
    goals,
    department_goals,
    activities,
    contacts,
);

diesel::table! {
    audit_entries (id) {
        id -> Text,
        organization_id -> Text,
        occurred_at -> Timestamp,
        actor_subject -> Text,
        actor_name -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    revisions (id) {
        id -> Text,
        organization_id -> Text,
        entity_type -> Text,
        entity_id -> Text,
        number -> Integer,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        snapshot -> Text,
        changes -> Text,
        reason -> Nullable<Text>,
        decision_reference -> Text,
        decided_on -> Date,
        decided_by_unit_id -> Text,
        actor_subject -> Text,
        actor_name -> Nullable<Text>,
        created_at -> Timestamp,
    }
}
