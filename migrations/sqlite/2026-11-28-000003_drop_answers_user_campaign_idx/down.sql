CREATE INDEX answers_user_campaign_idx ON answers (user_id, campaign_id);
