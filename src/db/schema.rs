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
        predecessor_id -> Nullable<Text>,
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
        predecessor_id -> Nullable<Text>,
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
        predecessor_id -> Nullable<Text>,
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
        predecessor_id -> Nullable<Text>,
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
        predecessor_id -> Nullable<Text>,
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

diesel::table! {
    indicators (id) {
        id -> Text,
        organization_id -> Text,
        goal_id -> Nullable<Text>,
        department_goal_id -> Nullable<Text>,
        owner_unit_id -> Nullable<Text>,
        name -> Text,
        description -> Nullable<Text>,
        unit_of_measure -> Text,
        direction -> Text,
        baseline_value -> Nullable<Double>,
        baseline_period -> Nullable<Text>,
        targets -> Text,
        yellow_tolerance -> Double,
        tolerance_unit -> Text,
        weight -> Double,
        source -> Text,
        kolada_kpi -> Nullable<Text>,
        kolada_municipality -> Nullable<Text>,
        kolada_ou -> Nullable<Text>,
        update_frequency -> Text,
        year_to_date -> Text,
        publication_lag_years -> Integer,
        predecessor_id -> Nullable<Text>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    measurements (id) {
        id -> Text,
        organization_id -> Text,
        indicator_id -> Text,
        period -> Text,
        period_start -> Date,
        period_end -> Date,
        kind -> Text,
        value -> Nullable<Double>,
        value_women -> Nullable<Double>,
        value_men -> Nullable<Double>,
        missing -> Bool,
        note -> Nullable<Text>,
        source -> Text,
        recorded_by -> Text,
        recorded_by_name -> Nullable<Text>,
        provenance -> Nullable<Text>,
        imported_at -> Nullable<Timestamp>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Text,
        organization_id -> Text,
        reporting_period_id -> Text,
        goal_id -> Nullable<Text>,
        department_goal_id -> Nullable<Text>,
        reporting_unit_id -> Text,
        assessment -> Text,
        analysis -> Nullable<Text>,
        planned_measures -> Nullable<Text>,
        proposed_revision -> Nullable<Text>,
        state -> Text,
        author_subject -> Text,
        author_name -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        approved_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        withdrawal_reason -> Nullable<Text>,
        approved_by -> Nullable<Text>,
        approved_by_name -> Nullable<Text>,
        published_by -> Nullable<Text>,
        published_by_name -> Nullable<Text>,
        decision_reference -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        decided_by_unit_id -> Nullable<Text>,
        return_reason -> Nullable<Text>,
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
    indicators,
    measurements,
    follow_ups,
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

diesel::table! {
    changes (seq) {
        seq -> BigInt,
        organization_id -> Text,
        occurred_at -> Timestamp,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        state -> Nullable<Text>,
    }
}

diesel::table! {
    change_horizons (organization_id) {
        organization_id -> Text,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        organization_id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        external_id -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        organization_id -> Text,
        subscription_id -> Text,
        change_seq -> BigInt,
        event_type -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (organization_id, subject, key) {
        organization_id -> Text,
        subject -> Text,
        key -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempt -> Text,
    }
}
