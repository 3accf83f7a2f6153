-- answers.campaign_id and marks.campaign_id copy their task's campaign (tasks.campaign_id
-- references campaigns). Their own foreign keys made every answer and every mark lock the
-- campaign's single row (FOR KEY SHARE) until commit, so all concurrent answers of a campaign
-- shared a lock on one row, and PostgreSQL had to track them as one multixact after another.
ALTER TABLE marks DROP CONSTRAINT marks_campaign_id_fkey;
ALTER TABLE answers DROP CONSTRAINT answers_campaign_id_fkey;
