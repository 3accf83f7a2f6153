//! Diesel table definitions, kept in lockstep with `migrations/{sqlite,postgres}`.
//!
//! Both backends share these column types; `tests/storage.rs` proves every table round-trips on
//! each backend, so a drift between this file and the SQL is caught in CI.

diesel::table! {
    users (id) {
        id -> Text,
        handle -> Text,
        handle_key -> Text,
        password_hash -> Text,
        role -> Text,
        reliability -> Double,
        sensitivity -> Nullable<Double>,
        false_rate -> Nullable<Double>,
        created_at -> BigInt,
        token_generation -> Integer,
        suspended -> Bool,
        handle_skeleton -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        status -> Text,
        settings -> Text,
        created_by -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    frames (id) {
        id -> Text,
        campaign_id -> Text,
        source_path -> Text,
        sha256 -> Text,
        file_size -> BigInt,
        captured_at -> Nullable<Text>,
        sensor -> Nullable<Text>,
        width -> BigInt,
        height -> BigInt,
        bands -> Integer,
        crs -> Text,
        geotransform -> Text,
        footprint -> Text,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        created_at -> BigInt,
        overview_min_zoom -> Nullable<Integer>,
        overview_max_zoom -> Nullable<Integer>,
    }
}

diesel::table! {
    sites (id) {
        id -> Text,
        campaign_id -> Text,
        lon -> Double,
        lat -> Double,
        class -> Text,
        confidence -> Double,
        support -> Double,
        seen_by -> Integer,
        uncertainty_m -> Double,
        damaged_after -> Nullable<Text>,
        damaged_before -> Nullable<Text>,
        date_confidence -> Nullable<Double>,
        status -> Text,
        source -> Text,
        consensus_run_id -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        class_votes -> Text,
        reviewed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    site_reviews (id) {
        id -> Text,
        site_id -> Text,
        user_id -> Nullable<Text>,
        run_id -> Nullable<Text>,
        action -> Text,
        comment -> Text,
        from_status -> Text,
        to_status -> Text,
        from_class -> Text,
        to_class -> Text,
        merged_into -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    site_tasks (site_id, task_id) {
        site_id -> Text,
        task_id -> BigInt,
    }
}

diesel::table! {
    site_votes (site_id, voter) {
        site_id -> Text,
        voter -> Integer,
        user_id -> Text,
        class -> Text,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        campaign_id -> Text,
        kind -> Text,
        frame_id -> Nullable<Text>,
        before_frame_id -> Nullable<Text>,
        site_id -> Nullable<Text>,
        tile_col -> Integer,
        tile_row -> Integer,
        px_x -> BigInt,
        px_y -> BigInt,
        px_w -> BigInt,
        px_h -> BigInt,
        footprint -> Text,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        tile_key -> Nullable<Text>,
        before_tile_key -> Nullable<Text>,
        status -> Text,
        answer_count -> Integer,
        needed -> Integer,
        leases_out -> Integer,
        available -> Bool,
        priority -> Double,
        is_gold -> Bool,
        gold_answer -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    leases (task_id, user_id) {
        task_id -> BigInt,
        user_id -> Text,
        issued_at -> BigInt,
        expires_at -> BigInt,
        answered -> Bool,
        expired -> Bool,
    }
}

diesel::table! {
    answers (id) {
        id -> Text,
        task_id -> BigInt,
        user_id -> Text,
        campaign_id -> Text,
        kind -> Text,
        reason -> Nullable<Text>,
        payload -> Nullable<Text>,
        duration_ms -> BigInt,
        idempotency_key -> Text,
        submitted_at -> BigInt,
    }
}

diesel::table! {
    marks (id) {
        id -> BigInt,
        answer_id -> Text,
        task_id -> BigInt,
        campaign_id -> Text,
        x -> Double,
        y -> Double,
        class -> Text,
        lon -> Nullable<Double>,
        lat -> Nullable<Double>,
    }
}

diesel::table! {
    consensus_runs (id) {
        id -> Text,
        campaign_id -> Text,
        parameters -> Text,
        code_version -> Text,
        started_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        counts -> Text,
        error -> Nullable<Text>,
        kind -> Text,
        prior_site -> Nullable<Double>,
        prior_decoy -> Nullable<Double>,
    }
}

diesel::table! {
    volunteer_reliability (campaign_id, user_id) {
        campaign_id -> Text,
        user_id -> Text,
        sensitivity -> Double,
        false_rate -> Double,
        fooled -> Double,
        class_accuracy -> Double,
        weight -> Double,
        answers -> BigInt,
        provisional -> Bool,
        run_id -> Text,
        updated_at -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(frames -> campaigns (campaign_id));
diesel::joinable!(tasks -> campaigns (campaign_id));
diesel::joinable!(leases -> tasks (task_id));
diesel::joinable!(answers -> tasks (task_id));
diesel::joinable!(marks -> answers (answer_id));
diesel::joinable!(sites -> campaigns (campaign_id));
diesel::joinable!(site_reviews -> sites (site_id));
diesel::joinable!(site_tasks -> sites (site_id));
diesel::joinable!(site_tasks -> tasks (task_id));
diesel::joinable!(site_votes -> sites (site_id));
diesel::joinable!(consensus_runs -> campaigns (campaign_id));
diesel::joinable!(volunteer_reliability -> campaigns (campaign_id));
diesel::joinable!(volunteer_reliability -> users (user_id));
diesel::joinable!(volunteer_reliability -> consensus_runs (run_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    campaigns,
    frames,
    sites,
    site_reviews,
    site_tasks,
    site_votes,
    tasks,
    leases,
    answers,
    marks,
    consensus_runs,
    volunteer_reliability,
);
