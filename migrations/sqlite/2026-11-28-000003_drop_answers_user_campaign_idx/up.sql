-- Every lookup of a volunteer's answers (their stats, their list, the gold rate of a new
-- volunteer) is served by the unique (user_id, idempotency_key) index. This second index by
-- user cost every answer one more write to a page of its own: volunteers answer in no order, so
-- under load each answer dirtied another page of the index.
DROP INDEX answers_user_campaign_idx;
