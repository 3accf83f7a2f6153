-- Sites keep their identity across consensus runs, carry their provenance (the tasks and the
-- votes that formed them, votes by class) and an audit trail that is never edited or deleted.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE sites_new (
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
    status           TEXT NOT NULL
                     CHECK (status IN ('candidate', 'confirmed', 'rejected', 'merged', 'consensus_lost')),
    source           TEXT NOT NULL DEFAULT 'consensus',
    consensus_run_id TEXT,
    merged_into      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    -- JSON object: marks by class, as the last consensus run counted them
    class_votes      TEXT NOT NULL DEFAULT '{}',
    -- the last confirm, reject, reclassify or merge; a reviewed site is never moved or deleted
    reviewed_at      BIGINT
);
INSERT INTO sites_new (id, campaign_id, lon, lat, class, confidence, support, seen_by,
                       uncertainty_m, damaged_after, damaged_before, date_confidence, status,
                       source, consensus_run_id, merged_into, created_at, updated_at)
    SELECT id, campaign_id, lon, lat, class, confidence, support, seen_by, uncertainty_m,
           damaged_after, damaged_before, date_confidence, status, source, consensus_run_id,
           merged_into, created_at, updated_at
    FROM sites;

CREATE TABLE site_reviews_new (
    id           TEXT PRIMARY KEY NOT NULL,
    site_id      TEXT NOT NULL REFERENCES sites (id),
    -- the analyst; NULL for what a consensus run recorded (consensus_lost, consensus_restored)
    user_id      TEXT REFERENCES users (id),
    run_id       TEXT,
    action       TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'reclassify', 'merge',
                                                 'comment', 'consensus_lost', 'consensus_restored')),
    comment      TEXT NOT NULL DEFAULT '',
    from_status  TEXT NOT NULL DEFAULT '',
    to_status    TEXT NOT NULL DEFAULT '',
    from_class   TEXT NOT NULL DEFAULT '',
    to_class     TEXT NOT NULL DEFAULT '',
    merged_into  TEXT,
    created_at   BIGINT NOT NULL
);
INSERT INTO site_reviews_new (id, site_id, user_id, action, comment, created_at)
    SELECT id, site_id, user_id, action, comment, created_at FROM site_reviews;

DROP TABLE site_reviews;
DROP TABLE sites;
ALTER TABLE sites_new RENAME TO sites;
ALTER TABLE site_reviews_new RENAME TO site_reviews;

CREATE INDEX sites_campaign_position_idx ON sites (campaign_id, lon, lat);
CREATE INDEX sites_campaign_confidence_idx ON sites (campaign_id, confidence);
CREATE INDEX sites_campaign_id_idx ON sites (campaign_id, id);
CREATE INDEX site_reviews_site_idx ON site_reviews (site_id, created_at);

CREATE TRIGGER site_reviews_never_edited BEFORE UPDATE ON site_reviews
BEGIN
    SELECT RAISE(ABORT, 'site reviews are an audit trail: never edited');
END;
CREATE TRIGGER site_reviews_never_deleted BEFORE DELETE ON site_reviews
BEGIN
    SELECT RAISE(ABORT, 'site reviews are an audit trail: never deleted');
END;

-- The tasks whose answers formed a site, as its last consensus run found them.
CREATE TABLE site_tasks (
    site_id TEXT NOT NULL REFERENCES sites (id),
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    PRIMARY KEY (site_id, task_id)
);
CREATE INDEX site_tasks_task_idx ON site_tasks (task_id);

-- The marks behind a site, one a volunteer: `voter` numbers them within the site only (in an
-- order keyed by the site), so the API can show votes without naming or linking volunteers.
CREATE TABLE site_votes (
    site_id TEXT NOT NULL REFERENCES sites (id),
    voter   INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    class   TEXT NOT NULL,
    PRIMARY KEY (site_id, voter)
);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
