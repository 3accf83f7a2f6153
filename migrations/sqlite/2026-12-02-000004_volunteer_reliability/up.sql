-- One reliability per volunteer per campaign. A full consensus run over the whole campaign
-- estimates every volunteer who answered in it and writes them with its run id; incremental
-- runs hold those fixed and write only volunteers no full run has estimated yet, marked
-- provisional (estimated from one area's answers), never over a full run's estimate.
CREATE TABLE volunteer_reliability (
    campaign_id    TEXT NOT NULL REFERENCES campaigns (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    sensitivity    DOUBLE NOT NULL,
    false_rate     DOUBLE NOT NULL,
    fooled         DOUBLE NOT NULL,
    class_accuracy DOUBLE NOT NULL,
    weight         DOUBLE NOT NULL,
    answers        BIGINT NOT NULL,
    provisional    BOOLEAN NOT NULL,
    run_id         TEXT NOT NULL REFERENCES consensus_runs (id),
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX volunteer_reliability_user_idx ON volunteer_reliability (user_id);

-- A run is either full (the whole campaign, estimating reliabilities and the campaign's priors)
-- or incremental (the cells new answers touched, with the last full run's estimates fixed).
-- Rows from before say 'incremental': none of them estimated reliabilities campaign-wide.
ALTER TABLE consensus_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'incremental';
-- The priors a full run estimated (share of candidates that are sites, and look-alikes).
ALTER TABLE consensus_runs ADD COLUMN prior_site DOUBLE;
ALTER TABLE consensus_runs ADD COLUMN prior_decoy DOUBLE;
CREATE INDEX consensus_runs_campaign_kind_idx ON consensus_runs (campaign_id, kind, started_at);
