-- The stats cards summed every day bucket of an entity in the organisation.
-- Once the large profile's big organisation spread its work over five
-- periods that was 5,700 objective, 10,300 initiative and 13,400 activity
-- buckets per card, 20-35 ms at p95 under load. A card needs days only
-- around today: what is overdue this month and what falls due this week.
-- So:
--   - stat_months keeps the same counts per month (a few hundred rows per
--     entity), kept by the same trigger function in the same statement;
--     totals and everything overdue before this month come from it;
--   - stat_buckets' key leads with status and due after the entity, so
--     the days of this month and the next week are one index range per
--     open status for any period, and carries the counters, so reading it
--     never touches the heap.

-- +goose Up
CREATE TABLE rumbo.stat_months (
    org_id       uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    entity       text NOT NULL CHECK (entity IN ('objective', 'initiative', 'activity')),
    period_id    uuid NOT NULL, -- the all-zero uuid for rows without a period
    status       text NOT NULL,
    month        date NOT NULL, -- first day of the due month; 'infinity' for no due date
    n            bigint NOT NULL,
    progress_sum bigint NOT NULL,
    PRIMARY KEY (org_id, entity, period_id, status, month) INCLUDE (n, progress_sum)
);
ALTER TABLE rumbo.stat_months ALTER COLUMN org_id SET DEFAULT app.org_id();
SELECT app.protect_org_table('rumbo.stat_months');
GRANT SELECT, INSERT, UPDATE ON rumbo.stat_months TO rumbo_app;

INSERT INTO rumbo.stat_months (org_id, entity, period_id, status, month, n, progress_sum)
SELECT org_id, entity, period_id, status,
       CASE WHEN due = 'infinity' THEN 'infinity'::date ELSE date_trunc('month', due)::date END,
       sum(n), sum(progress_sum)
FROM rumbo.stat_buckets
GROUP BY 1, 2, 3, 4, 5;

ALTER TABLE rumbo.stat_buckets
    DROP CONSTRAINT stat_buckets_pkey,
    ADD CONSTRAINT stat_buckets_pkey PRIMARY KEY (org_id, entity, status, due, period_id) INCLUDE (n, progress_sum);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.bump_stats(p_entity text, p_orgs uuid[], p_periods uuid[], p_statuses text[], p_dues date[],
                                          p_progress smallint[], p_sign integer) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    INSERT INTO rumbo.stat_buckets AS b (org_id, entity, period_id, status, due, n, progress_sum)
    SELECT r.org_id, p_entity, coalesce(r.period_id, '00000000-0000-0000-0000-000000000000'), r.status,
           coalesce(r.due, 'infinity'), p_sign * count(*), p_sign * sum(r.progress)
    FROM unnest(p_orgs, p_periods, p_statuses, p_dues, p_progress) AS r(org_id, period_id, status, due, progress)
    -- skips organisations being deleted (their buckets go with them)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 3, 4, 5
    ORDER BY 1, 4, 5, 3 -- the key's order, so concurrent writers lock in the same order
    ON CONFLICT (org_id, entity, status, due, period_id)
    DO UPDATE SET n = b.n + excluded.n, progress_sum = b.progress_sum + excluded.progress_sum;

    INSERT INTO rumbo.stat_months AS m (org_id, entity, period_id, status, month, n, progress_sum)
    SELECT r.org_id, p_entity, coalesce(r.period_id, '00000000-0000-0000-0000-000000000000'), r.status,
           coalesce(date_trunc('month', r.due)::date, 'infinity'), p_sign * count(*), p_sign * sum(r.progress)
    FROM unnest(p_orgs, p_periods, p_statuses, p_dues, p_progress) AS r(org_id, period_id, status, due, progress)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 3, 4, 5
    ORDER BY 1, 3, 4, 5
    ON CONFLICT (org_id, entity, period_id, status, month)
    DO UPDATE SET n = m.n + excluded.n, progress_sum = m.progress_sum + excluded.progress_sum;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.bump_stats(p_entity text, p_orgs uuid[], p_periods uuid[], p_statuses text[], p_dues date[],
                                          p_progress smallint[], p_sign integer) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    INSERT INTO rumbo.stat_buckets AS b (org_id, entity, period_id, status, due, n, progress_sum)
    SELECT r.org_id, p_entity, coalesce(r.period_id, '00000000-0000-0000-0000-000000000000'), r.status,
           coalesce(r.due, 'infinity'), p_sign * count(*), p_sign * sum(r.progress)
    FROM unnest(p_orgs, p_periods, p_statuses, p_dues, p_progress) AS r(org_id, period_id, status, due, progress)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 3, 4, 5
    ORDER BY 1, 3, 4, 5
    ON CONFLICT (org_id, entity, period_id, status, due)
    DO UPDATE SET n = b.n + excluded.n, progress_sum = b.progress_sum + excluded.progress_sum;
$$;
-- +goose StatementEnd
ALTER TABLE rumbo.stat_buckets
    DROP CONSTRAINT stat_buckets_pkey,
    ADD CONSTRAINT stat_buckets_pkey PRIMARY KEY (org_id, entity, period_id, status, due);
DROP TABLE rumbo.stat_months;
