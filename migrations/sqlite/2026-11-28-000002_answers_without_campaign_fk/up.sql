-- PostgreSQL drops the foreign keys of answers.campaign_id and marks.campaign_id in this
-- migration: there they made every answer lock the campaign's row. SQLite takes no row locks (a
-- foreign key is one index probe), and dropping a constraint would mean rebuilding both tables,
-- so here they stay.
SELECT 1;
