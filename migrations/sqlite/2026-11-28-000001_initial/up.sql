-- Tessera's data model (DESIGN.md §3). Times are Unix milliseconds (BIGINT) and ids are
-- text UUIDs so that the same diesel code reads both backends.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    handle        TEXT NOT NULL,
    -- lower-cased handle: "Alice" and "alice" are one account, so nobody can impersonate another
    handle_key    TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('volunteer', 'coordinator', 'analyst', 'admin')),
    reliability   DOUBLE NOT NULL DEFAULT 0.5,
    sensitivity   DOUBLE,
    false_rate    DOUBLE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'closed')),
    -- CampaignSettings as JSON (redundancy, classes, gold rate, tiling, consensus parameters)
    settings    TEXT NOT NULL,
    created_by  TEXT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX campaigns_status_idx ON campaigns (status);

CREATE TABLE frames (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    source_path  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    file_size    BIGINT NOT NULL,
    captured_at  TEXT,
    sensor       TEXT,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    bands        INTEGER NOT NULL,
    crs          TEXT NOT NULL,
    -- GDAL-order affine transform, JSON array of 6 numbers
    geotransform TEXT NOT NULL,
    -- WGS84 corners, JSON [[lon,lat] x 4]
    footprint    TEXT NOT NULL,
    min_lon      DOUBLE NOT NULL,
    min_lat      DOUBLE NOT NULL,
    max_lon      DOUBLE NOT NULL,
    max_lat      DOUBLE NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (campaign_id, sha256)
);

CREATE TABLE sites (
    id               TEXT PRIMARY KEY NOT NULL,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    lon              DOUBLE NOT NULL,
    lat              DOUBLE NOT NULL,
    class            TEXT NOT NULL,
    confidence       DOUBLE NOT NULL,
    support          DOUBLE NOT NULL,
    seen_by          INTEGER NOT NULL,
    uncertainty_m    DOUBLE NOT NULL DEFAULT 0,
    damaged_after    TEXT,
    damaged_before   TEXT,
    date_confidence  DOUBLE,
    status           TEXT NOT NULL CHECK (status IN ('candidate', 'confirmed', 'rejected')),
    source           TEXT NOT NULL DEFAULT 'consensus',
    consensus_run_id TEXT,
    merged_into      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX sites_campaign_position_idx ON sites (campaign_id, lon, lat);
CREATE INDEX sites_campaign_confidence_idx ON sites (campaign_id, confidence);

CREATE TABLE site_reviews (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    action     TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'merge', 'comment')),
    comment    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX site_reviews_site_idx ON site_reviews (site_id);

CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    kind            TEXT NOT NULL CHECK (kind IN ('search', 'dating')),
    frame_id        TEXT REFERENCES frames (id),
    before_frame_id TEXT REFERENCES frames (id),
    site_id         TEXT REFERENCES sites (id),
    tile_col        INTEGER NOT NULL DEFAULT 0,
    tile_row        INTEGER NOT NULL DEFAULT 0,
    px_x            BIGINT NOT NULL DEFAULT 0,
    px_y            BIGINT NOT NULL DEFAULT 0,
    px_w            BIGINT NOT NULL DEFAULT 0,
    px_h            BIGINT NOT NULL DEFAULT 0,
    footprint       TEXT NOT NULL,
    min_lon         DOUBLE NOT NULL,
    min_lat         DOUBLE NOT NULL,
    max_lon         DOUBLE NOT NULL,
    max_lat         DOUBLE NOT NULL,
    tile_key        TEXT,
    before_tile_key TEXT,
    status          TEXT NOT NULL CHECK (status IN ('open', 'retired')),
    answer_count    INTEGER NOT NULL DEFAULT 0,
    -- answers wanted before the task retires: starts at redundancy.min, raised towards
    -- redundancy.max while answers disagree
    needed          INTEGER NOT NULL DEFAULT 3,
    -- live (unanswered, unexpired) leases; maintained by the scheduler
    leases_out      INTEGER NOT NULL DEFAULT 0,
    -- open and answer_count + leases_out < needed: the scheduler scans only these
    available       BOOLEAN NOT NULL DEFAULT TRUE,
    priority        DOUBLE NOT NULL DEFAULT 0,
    is_gold         BOOLEAN NOT NULL DEFAULT FALSE,
    gold_answer     TEXT,
    created_at      BIGINT NOT NULL
);
-- the scheduler's pick: available tasks of a campaign, most-answered (nearly finished) first,
-- then in tiling order so the map fills in area by area
CREATE INDEX tasks_schedule_idx ON tasks (campaign_id, available, is_gold, answer_count DESC, priority DESC, id);
CREATE INDEX tasks_frame_idx ON tasks (frame_id);
CREATE INDEX tasks_campaign_bbox_idx ON tasks (campaign_id, min_lon, min_lat);

CREATE TABLE leases (
    task_id    BIGINT NOT NULL REFERENCES tasks (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered   BOOLEAN NOT NULL DEFAULT FALSE,
    -- set when an unanswered lease's expiry has been swept back into the pool
    expired    BOOLEAN NOT NULL DEFAULT FALSE,
    -- a lease row is also the record that this volunteer was shown this task: the primary key
    -- is the scheduler's promise 1 (never the same task twice to one volunteer)
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX leases_user_live_idx ON leases (user_id, answered, expired, expires_at);
CREATE INDEX leases_expiry_idx ON leases (answered, expired, expires_at);

CREATE TABLE answers (
    id              TEXT PRIMARY KEY NOT NULL,
    task_id         BIGINT NOT NULL REFERENCES tasks (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    kind            TEXT NOT NULL CHECK (kind IN ('marks', 'nothing_here', 'cant_tell', 'dating')),
    reason          TEXT,
    -- dating verdicts, as JSON
    payload         TEXT,
    duration_ms     BIGINT NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL,
    submitted_at    BIGINT NOT NULL,
    UNIQUE (user_id, idempotency_key),
    -- promise 1 of the scheduler: one answer per volunteer per task
    UNIQUE (task_id, user_id)
);
CREATE INDEX answers_campaign_time_idx ON answers (campaign_id, submitted_at);
CREATE INDEX answers_user_campaign_idx ON answers (user_id, campaign_id);

CREATE TABLE marks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id   TEXT NOT NULL REFERENCES answers (id),
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    x           DOUBLE NOT NULL,
    y           DOUBLE NOT NULL,
    class       TEXT NOT NULL,
    lon         DOUBLE,
    lat         DOUBLE
);
CREATE INDEX marks_answer_idx ON marks (answer_id);
CREATE INDEX marks_campaign_position_idx ON marks (campaign_id, lon, lat);

CREATE TABLE consensus_runs (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    parameters   TEXT NOT NULL,
    code_version TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    counts       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX consensus_runs_campaign_idx ON consensus_runs (campaign_id, started_at);
