-- Back to replaceable sites: provenance and audit tables go, statuses the old code does not know
-- become 'candidate' (merged) or 'confirmed' (consensus_lost).
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE site_votes;
DROP TABLE site_tasks;
CREATE TABLE sites_old (
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
INSERT INTO sites_old SELECT id, campaign_id, lon, lat, class, confidence, support, seen_by,
    uncertainty_m, damaged_after, damaged_before, date_confidence,
    CASE status WHEN 'merged' THEN 'candidate' WHEN 'consensus_lost' THEN 'confirmed' ELSE status END,
    source, consensus_run_id, merged_into, created_at, updated_at FROM sites;
CREATE TABLE site_reviews_old (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    action     TEXT NOT NULL CHECK (action IN ('confirm', 'reject', 'merge', 'comment')),
    comment    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
INSERT INTO site_reviews_old SELECT id, site_id, user_id,
    CASE WHEN action IN ('confirm', 'reject', 'merge', 'comment') THEN action ELSE 'comment' END,
    comment, created_at FROM site_reviews WHERE user_id IS NOT NULL;
DROP TABLE site_reviews;
DROP TABLE sites;
ALTER TABLE sites_old RENAME TO sites;
ALTER TABLE site_reviews_old RENAME TO site_reviews;
CREATE INDEX sites_campaign_position_idx ON sites (campaign_id, lon, lat);
CREATE INDEX sites_campaign_confidence_idx ON sites (campaign_id, confidence);
CREATE INDEX site_reviews_site_idx ON site_reviews (site_id);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
