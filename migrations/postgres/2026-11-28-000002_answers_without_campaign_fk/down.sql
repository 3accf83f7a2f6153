ALTER TABLE answers ADD CONSTRAINT answers_campaign_id_fkey
    FOREIGN KEY (campaign_id) REFERENCES campaigns (id);
ALTER TABLE marks ADD CONSTRAINT marks_campaign_id_fkey
    FOREIGN KEY (campaign_id) REFERENCES campaigns (id);
