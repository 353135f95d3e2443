-- The dashboard and analytics pages read maintained aggregates, never the
-- big tables (DESIGN.md's budget: seven FILTER counts over 250,000
-- activities cost 221 ms; these cost O(areas x statuses)). Like the stat
-- buckets of 00005/00009 they are kept by statement-level triggers with
-- transition tables, in the same transaction as the writes, so every path
-- (forms, loaders, cascades, foreign-key actions) keeps them exact:
--   * area_stats: live objectives, initiatives and activities per period,
--     area, status and progress band (0-24, 25-49, 50-74, 75-99, 100 %), with
--     their progress sum: cards and charts filtered by period and area;
--   * completion_days and completion_months: what was completed per day
--     and per month (in the organisation's time zone), per entity, period
--     and area: completions per week and per month;
--   * member_stats: live activities per period, assignee and status: top
--     performers and "my pending activities";
--   * progress_weeks: the weekly progress record. Whenever the live,
--     non-cancelled objectives of a (period, area) change in count or
--     progress, the row of the current week (Monday, organisation's time
--     zone) is set to their totals. Progress only changes with writes, so a
--     week without a row had the totals of the latest earlier row: the
--     trend carries values forward, and starts on the first recorded week
--     (this migration records the current week from the existing data).
-- Objectives and initiatives gain completed_at (activities have it since
-- 00001), set when their status becomes completed and cleared when it
-- stops being so. Existing completed rows take the time of the history
-- entry that completed them, else noon of their end date (never later than
-- now); loaders that insert finished work get the same rule unless they
-- say when.
-- NULL period or area is stored as the zero uuid, as in stat_buckets. The
-- primary keys INCLUDE the counts, so the cards read them with index-only
-- scans.
-- Each organisation also gets a progress target (the analytics page's
-- "meta", 75 % by default).

-- +goose Up
ALTER TABLE rumbo.organizations
    ADD COLUMN progress_target smallint NOT NULL DEFAULT 75 CHECK (progress_target BETWEEN 0 AND 100);
GRANT UPDATE (progress_target) ON rumbo.organizations TO rumbo_app;

ALTER TABLE rumbo.objectives ADD COLUMN completed_at timestamptz;
ALTER TABLE rumbo.initiatives ADD COLUMN completed_at timestamptz;

UPDATE rumbo.objectives AS x
SET completed_at = least(now(), coalesce(
    (SELECT max(c.created_at) FROM rumbo.changes AS c
     WHERE c.org_id = x.org_id AND c.objective_id = x.id AND c.field = 'status' AND c.new_value = 'completed'),
    (x.end_date + time '12:00') AT TIME ZONE o.timezone))
FROM rumbo.organizations AS o
WHERE o.id = x.org_id AND x.status = 'completed';
UPDATE rumbo.initiatives AS x
SET completed_at = least(now(), coalesce(
    (SELECT max(c.created_at) FROM rumbo.changes AS c
     WHERE c.org_id = x.org_id AND c.initiative_id = x.id AND c.field = 'status' AND c.new_value = 'completed'),
    (x.end_date + time '12:00') AT TIME ZONE o.timezone))
FROM rumbo.organizations AS o
WHERE o.id = x.org_id AND x.status = 'completed';

ALTER TABLE rumbo.objectives ADD CONSTRAINT objectives_completed_at_check
    CHECK ((status = 'completed') = (completed_at IS NOT NULL));
ALTER TABLE rumbo.initiatives ADD CONSTRAINT initiatives_completed_at_check
    CHECK ((status = 'completed') = (completed_at IS NOT NULL));

-- +goose StatementBegin
CREATE FUNCTION app.set_completed_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF NEW.status <> 'completed' THEN
        NEW.completed_at := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        IF NEW.completed_at IS NULL THEN
            SELECT least(now(), (NEW.end_date + time '12:00') AT TIME ZONE o.timezone) INTO NEW.completed_at
            FROM rumbo.organizations AS o WHERE o.id = NEW.org_id;
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    ELSIF OLD.status <> 'completed' THEN
        NEW.completed_at := now();
    ELSIF NEW.completed_at IS NULL THEN
        NEW.completed_at := OLD.completed_at;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER objectives_completed_at BEFORE INSERT OR UPDATE OF status, completed_at ON rumbo.objectives
    FOR EACH ROW EXECUTE FUNCTION app.set_completed_at();
CREATE TRIGGER initiatives_completed_at BEFORE INSERT OR UPDATE OF status, completed_at ON rumbo.initiatives
    FOR EACH ROW EXECUTE FUNCTION app.set_completed_at();

CREATE TABLE rumbo.area_stats (
    org_id       uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    entity       text NOT NULL CHECK (entity IN ('objective', 'initiative', 'activity')),
    period_id    uuid NOT NULL,
    area_id      uuid NOT NULL,
    status       text NOT NULL,
    band         smallint NOT NULL CHECK (band BETWEEN 0 AND 4), -- progress / 25, 100 % is 4; 0 for activities
    n            bigint NOT NULL,
    progress_sum bigint NOT NULL, -- activities count 100 when completed, else 0
    PRIMARY KEY (org_id, entity, period_id, area_id, status, band) INCLUDE (n, progress_sum)
);

CREATE TABLE rumbo.completion_days (
    org_id    uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    day       date NOT NULL, -- completed_at's date in the organisation's time zone
    entity    text NOT NULL CHECK (entity IN ('objective', 'initiative', 'activity')),
    period_id uuid NOT NULL,
    area_id   uuid NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (org_id, day, entity, period_id, area_id) INCLUDE (n)
);

CREATE TABLE rumbo.completion_months (
    org_id    uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    month     date NOT NULL, -- the first day of completed_at's month in the organisation's time zone
    entity    text NOT NULL CHECK (entity IN ('objective', 'initiative', 'activity')),
    period_id uuid NOT NULL,
    area_id   uuid NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (org_id, month, entity, period_id, area_id) INCLUDE (n)
);

CREATE TABLE rumbo.member_stats (
    org_id    uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    period_id uuid NOT NULL,
    member_id uuid NOT NULL, -- the activities' assignee
    status    text NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (org_id, period_id, member_id, status) INCLUDE (n)
);
CREATE INDEX member_stats_org_member_idx ON rumbo.member_stats (org_id, member_id, period_id);

CREATE TABLE rumbo.progress_weeks (
    org_id       uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    period_id    uuid NOT NULL,
    area_id      uuid NOT NULL,
    week         date NOT NULL, -- Monday, in the organisation's time zone
    n            bigint NOT NULL, -- live objectives that are not cancelled
    progress_sum bigint NOT NULL,
    PRIMARY KEY (org_id, period_id, area_id, week) INCLUDE (n, progress_sum)
);
CREATE INDEX progress_weeks_org_week_idx ON rumbo.progress_weeks (org_id, week);

ALTER TABLE rumbo.area_stats ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.completion_days ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.completion_months ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.member_stats ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.progress_weeks ALTER COLUMN org_id SET DEFAULT app.org_id();
SELECT app.protect_org_table(t) FROM unnest(ARRAY[
    'rumbo.area_stats', 'rumbo.completion_days', 'rumbo.completion_months', 'rumbo.member_stats',
    'rumbo.progress_weeks']::regclass[]) AS t;
-- Derived data: it changes only with the tables 00012 already tracks, in
-- the same transaction, so it needs no data-version trigger of its own.
GRANT SELECT, INSERT, UPDATE ON rumbo.area_stats, rumbo.member_stats, rumbo.progress_weeks TO rumbo_app;
-- DELETE: a change of time zone rebuilds the organisation's days and months.
GRANT SELECT, INSERT, UPDATE, DELETE ON rumbo.completion_days, rumbo.completion_months TO rumbo_app;

-- The recent-objectives card: the latest updated live objectives.
CREATE INDEX objectives_org_updated_idx ON rumbo.objectives (org_id, updated_at, id) WHERE archived_at IS NULL;
-- "Mis actividades pendientes": a member's open activities by due date,
-- without walking past their completed ones.
CREATE INDEX activities_org_assignee_open_idx ON rumbo.activities (org_id, assignee_id, due_date, id)
    WHERE archived_at IS NULL AND status IN ('todo', 'in_progress');

-- Applies rows' contributions (sign 1 added, -1 removed; an UPDATE passes
-- its old rows with -1 and its new ones with 1, so an edit that moves
-- nothing writes nothing). Rows are grouped and applied in key order so
-- concurrent writers lock in the same order.
-- +goose StatementBegin
CREATE FUNCTION app.bump_dashboard(p_entity text, p_orgs uuid[], p_periods uuid[], p_areas uuid[],
                                   p_statuses text[], p_progress smallint[], p_completed timestamptz[],
                                   p_members uuid[], p_signs integer[]) RETURNS void
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    zero constant uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
    INSERT INTO rumbo.area_stats AS s (org_id, entity, period_id, area_id, status, band, n, progress_sum)
    SELECT r.org_id, p_entity, coalesce(r.period_id, zero), coalesce(r.area_id, zero), r.status,
           CASE WHEN p_entity = 'activity' THEN 0 WHEN r.progress >= 100 THEN 4 ELSE r.progress / 25 END,
           sum(r.sign), sum(r.sign * r.progress)
    FROM unnest(p_orgs, p_periods, p_areas, p_statuses, p_progress, p_signs)
         AS r(org_id, period_id, area_id, status, progress, sign)
    -- skips organisations being deleted (their rows go with them)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 3, 4, 5, 6
    HAVING sum(r.sign) <> 0 OR sum(r.sign * r.progress) <> 0
    ORDER BY 1, 3, 4, 5, 6
    ON CONFLICT (org_id, entity, period_id, area_id, status, band)
    DO UPDATE SET n = s.n + excluded.n, progress_sum = s.progress_sum + excluded.progress_sum;

    INSERT INTO rumbo.completion_days AS d (org_id, day, entity, period_id, area_id, n)
    SELECT r.org_id, (r.completed_at AT TIME ZONE o.timezone)::date, p_entity,
           coalesce(r.period_id, zero), coalesce(r.area_id, zero), sum(r.sign)
    FROM unnest(p_orgs, p_periods, p_areas, p_completed, p_signs) AS r(org_id, period_id, area_id, completed_at, sign)
    JOIN rumbo.organizations AS o ON o.id = r.org_id
    WHERE r.completed_at IS NOT NULL
    GROUP BY 1, 2, 4, 5
    HAVING sum(r.sign) <> 0
    ORDER BY 1, 2, 4, 5
    ON CONFLICT (org_id, day, entity, period_id, area_id) DO UPDATE SET n = d.n + excluded.n;

    INSERT INTO rumbo.completion_months AS d (org_id, month, entity, period_id, area_id, n)
    SELECT r.org_id, date_trunc('month', r.completed_at AT TIME ZONE o.timezone)::date, p_entity,
           coalesce(r.period_id, zero), coalesce(r.area_id, zero), sum(r.sign)
    FROM unnest(p_orgs, p_periods, p_areas, p_completed, p_signs) AS r(org_id, period_id, area_id, completed_at, sign)
    JOIN rumbo.organizations AS o ON o.id = r.org_id
    WHERE r.completed_at IS NOT NULL
    GROUP BY 1, 2, 4, 5
    HAVING sum(r.sign) <> 0
    ORDER BY 1, 2, 4, 5
    ON CONFLICT (org_id, month, entity, period_id, area_id) DO UPDATE SET n = d.n + excluded.n;

    IF p_entity = 'activity' THEN
        INSERT INTO rumbo.member_stats AS m (org_id, period_id, member_id, status, n)
        SELECT r.org_id, coalesce(r.period_id, zero), r.member_id, r.status, sum(r.sign)
        FROM unnest(p_orgs, p_periods, p_members, p_statuses, p_signs) AS r(org_id, period_id, member_id, status, sign)
        WHERE r.member_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
        GROUP BY 1, 2, 3, 4
        HAVING sum(r.sign) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (org_id, period_id, member_id, status) DO UPDATE SET n = m.n + excluded.n;
    END IF;

    IF p_entity = 'objective' THEN
        -- after area_stats above: this week's record is the new totals of
        -- every (period, area) whose non-cancelled objectives changed
        INSERT INTO rumbo.progress_weeks AS w (org_id, period_id, area_id, week, n, progress_sum)
        SELECT k.org_id, k.period_id, k.area_id, date_trunc('week', now() AT TIME ZONE o.timezone)::date,
               coalesce(sum(s.n), 0), coalesce(sum(s.progress_sum), 0)
        FROM (SELECT r.org_id, coalesce(r.period_id, zero) AS period_id, coalesce(r.area_id, zero) AS area_id
              FROM unnest(p_orgs, p_periods, p_areas, p_statuses, p_progress, p_signs)
                   AS r(org_id, period_id, area_id, status, progress, sign)
              WHERE r.status <> 'cancelled'
              GROUP BY 1, 2, 3
              HAVING sum(r.sign) <> 0 OR sum(r.sign * r.progress) <> 0) AS k
        JOIN rumbo.organizations AS o ON o.id = k.org_id
        LEFT JOIN rumbo.area_stats AS s
          ON s.org_id = k.org_id AND s.entity = 'objective' AND s.period_id = k.period_id
         AND s.area_id = k.area_id AND s.status <> 'cancelled'
        GROUP BY k.org_id, k.period_id, k.area_id, o.timezone
        ORDER BY 1, 2, 3
        ON CONFLICT (org_id, period_id, area_id, week)
        DO UPDATE SET n = excluded.n, progress_sum = excluded.progress_sum;
    END IF;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app.bump_dashboard(text, uuid[], uuid[], uuid[], text[], smallint[], timestamptz[], uuid[], integer[])
    TO rumbo_app;

-- One trigger function per table; statement triggers fire for zero rows
-- too, and HAVING count(*) > 0 skips those.
-- +goose StatementBegin
CREATE FUNCTION app.objectives_dashboard_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM app.bump_dashboard('objective', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(1))
        FROM new_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_dashboard('objective', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(-1))
        FROM old_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_dashboard('objective', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(r.sign))
        FROM (SELECT o.org_id, o.period_id, o.area_id, o.status, o.progress, o.completed_at, -1 AS sign
              FROM old_rows AS o WHERE o.archived_at IS NULL
              UNION ALL
              SELECT n.org_id, n.period_id, n.area_id, n.status, n.progress, n.completed_at, 1
              FROM new_rows AS n WHERE n.archived_at IS NULL) AS r
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.initiatives_dashboard_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM app.bump_dashboard('initiative', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(1))
        FROM new_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_dashboard('initiative', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(-1))
        FROM old_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_dashboard('initiative', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(r.progress), array_agg(r.completed_at), '{}', array_agg(r.sign))
        FROM (SELECT o.org_id, o.period_id, o.area_id, o.status, o.progress, o.completed_at, -1 AS sign
              FROM old_rows AS o WHERE o.archived_at IS NULL
              UNION ALL
              SELECT n.org_id, n.period_id, n.area_id, n.status, n.progress, n.completed_at, 1
              FROM new_rows AS n WHERE n.archived_at IS NULL) AS r
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Activities have no progress of their own: completed counts as 100.
-- +goose StatementBegin
CREATE FUNCTION app.activities_dashboard_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM app.bump_dashboard('activity', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(CASE WHEN r.status = 'completed' THEN 100 ELSE 0 END::smallint),
                                   array_agg(r.completed_at), array_agg(r.assignee_id), array_agg(1))
        FROM new_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_dashboard('activity', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(CASE WHEN r.status = 'completed' THEN 100 ELSE 0 END::smallint),
                                   array_agg(r.completed_at), array_agg(r.assignee_id), array_agg(-1))
        FROM old_rows AS r WHERE r.archived_at IS NULL HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_dashboard('activity', array_agg(r.org_id), array_agg(r.period_id), array_agg(r.area_id),
                                   array_agg(r.status), array_agg(CASE WHEN r.status = 'completed' THEN 100 ELSE 0 END::smallint),
                                   array_agg(r.completed_at), array_agg(r.assignee_id), array_agg(r.sign))
        FROM (SELECT o.org_id, o.period_id, o.area_id, o.status, o.completed_at, o.assignee_id, -1 AS sign
              FROM old_rows AS o WHERE o.archived_at IS NULL
              UNION ALL
              SELECT n.org_id, n.period_id, n.area_id, n.status, n.completed_at, n.assignee_id, 1
              FROM new_rows AS n WHERE n.archived_at IS NULL) AS r
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_dashboard_ins AFTER INSERT ON rumbo.objectives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_dashboard_changed();
CREATE TRIGGER objectives_dashboard_upd AFTER UPDATE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_dashboard_changed();
CREATE TRIGGER objectives_dashboard_del AFTER DELETE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_dashboard_changed();
CREATE TRIGGER initiatives_dashboard_ins AFTER INSERT ON rumbo.initiatives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_dashboard_changed();
CREATE TRIGGER initiatives_dashboard_upd AFTER UPDATE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_dashboard_changed();
CREATE TRIGGER initiatives_dashboard_del AFTER DELETE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_dashboard_changed();
CREATE TRIGGER activities_dashboard_ins AFTER INSERT ON rumbo.activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_dashboard_changed();
CREATE TRIGGER activities_dashboard_upd AFTER UPDATE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_dashboard_changed();
CREATE TRIGGER activities_dashboard_del AFTER DELETE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_dashboard_changed();

-- A new time zone moves every completion to its local day: rebuild the
-- organisation's days and months (a rare settings change; the weekly
-- progress record keeps its weeks).
-- +goose StatementBegin
CREATE FUNCTION app.rebuild_completion_days() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    DELETE FROM rumbo.completion_days WHERE org_id = NEW.id;
    INSERT INTO rumbo.completion_days (org_id, day, entity, period_id, area_id, n)
    SELECT NEW.id, (c.completed_at AT TIME ZONE NEW.timezone)::date, c.entity,
           coalesce(c.period_id, '00000000-0000-0000-0000-000000000000'),
           coalesce(c.area_id, '00000000-0000-0000-0000-000000000000'), count(*)
    FROM (SELECT 'objective' AS entity, x.period_id, x.area_id, x.completed_at FROM rumbo.objectives AS x
          WHERE x.org_id = NEW.id AND x.archived_at IS NULL AND x.completed_at IS NOT NULL
          UNION ALL
          SELECT 'initiative', x.period_id, x.area_id, x.completed_at FROM rumbo.initiatives AS x
          WHERE x.org_id = NEW.id AND x.archived_at IS NULL AND x.completed_at IS NOT NULL
          UNION ALL
          SELECT 'activity', x.period_id, x.area_id, x.completed_at FROM rumbo.activities AS x
          WHERE x.org_id = NEW.id AND x.archived_at IS NULL AND x.completed_at IS NOT NULL) AS c
    GROUP BY 2, 3, 4, 5;
    DELETE FROM rumbo.completion_months WHERE org_id = NEW.id;
    INSERT INTO rumbo.completion_months (org_id, month, entity, period_id, area_id, n)
    SELECT d.org_id, date_trunc('month', d.day)::date, d.entity, d.period_id, d.area_id, sum(d.n)
    FROM rumbo.completion_days AS d WHERE d.org_id = NEW.id
    GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER organizations_completion_days AFTER UPDATE OF timezone ON rumbo.organizations
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION app.rebuild_completion_days();

-- The existing data.
INSERT INTO rumbo.area_stats (org_id, entity, period_id, area_id, status, band, n, progress_sum)
SELECT org_id, 'objective', coalesce(period_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(area_id, '00000000-0000-0000-0000-000000000000'), status,
       CASE WHEN progress >= 100 THEN 4 ELSE progress / 25 END, count(*), sum(progress)
FROM rumbo.objectives WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5, 6;
INSERT INTO rumbo.area_stats (org_id, entity, period_id, area_id, status, band, n, progress_sum)
SELECT org_id, 'initiative', coalesce(period_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(area_id, '00000000-0000-0000-0000-000000000000'), status,
       CASE WHEN progress >= 100 THEN 4 ELSE progress / 25 END, count(*), sum(progress)
FROM rumbo.initiatives WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5, 6;
INSERT INTO rumbo.area_stats (org_id, entity, period_id, area_id, status, band, n, progress_sum)
SELECT org_id, 'activity', coalesce(period_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(area_id, '00000000-0000-0000-0000-000000000000'), status, 0, count(*),
       sum(CASE WHEN status = 'completed' THEN 100 ELSE 0 END)
FROM rumbo.activities WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5;

INSERT INTO rumbo.completion_days (org_id, day, entity, period_id, area_id, n)
SELECT c.org_id, (c.completed_at AT TIME ZONE o.timezone)::date, c.entity,
       coalesce(c.period_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(c.area_id, '00000000-0000-0000-0000-000000000000'), count(*)
FROM (SELECT org_id, 'objective' AS entity, period_id, area_id, completed_at FROM rumbo.objectives
      WHERE archived_at IS NULL AND completed_at IS NOT NULL
      UNION ALL
      SELECT org_id, 'initiative', period_id, area_id, completed_at FROM rumbo.initiatives
      WHERE archived_at IS NULL AND completed_at IS NOT NULL
      UNION ALL
      SELECT org_id, 'activity', period_id, area_id, completed_at FROM rumbo.activities
      WHERE archived_at IS NULL AND completed_at IS NOT NULL) AS c
JOIN rumbo.organizations AS o ON o.id = c.org_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rumbo.completion_months (org_id, month, entity, period_id, area_id, n)
SELECT org_id, date_trunc('month', day)::date, entity, period_id, area_id, sum(n)
FROM rumbo.completion_days GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rumbo.member_stats (org_id, period_id, member_id, status, n)
SELECT org_id, coalesce(period_id, '00000000-0000-0000-0000-000000000000'), assignee_id, status, count(*)
FROM rumbo.activities WHERE archived_at IS NULL AND assignee_id IS NOT NULL GROUP BY 1, 2, 3, 4;

INSERT INTO rumbo.progress_weeks (org_id, period_id, area_id, week, n, progress_sum)
SELECT s.org_id, s.period_id, s.area_id, date_trunc('week', now() AT TIME ZONE o.timezone)::date,
       sum(s.n), sum(s.progress_sum)
FROM rumbo.area_stats AS s JOIN rumbo.organizations AS o ON o.id = s.org_id
WHERE s.entity = 'objective' AND s.status <> 'cancelled'
GROUP BY s.org_id, s.period_id, s.area_id, o.timezone;

-- +goose Down
DROP TRIGGER organizations_completion_days ON rumbo.organizations;
DROP FUNCTION app.rebuild_completion_days();
DROP TRIGGER activities_dashboard_ins ON rumbo.activities;
DROP TRIGGER activities_dashboard_upd ON rumbo.activities;
DROP TRIGGER activities_dashboard_del ON rumbo.activities;
DROP TRIGGER initiatives_dashboard_ins ON rumbo.initiatives;
DROP TRIGGER initiatives_dashboard_upd ON rumbo.initiatives;
DROP TRIGGER initiatives_dashboard_del ON rumbo.initiatives;
DROP TRIGGER objectives_dashboard_ins ON rumbo.objectives;
DROP TRIGGER objectives_dashboard_upd ON rumbo.objectives;
DROP TRIGGER objectives_dashboard_del ON rumbo.objectives;
DROP FUNCTION app.activities_dashboard_changed(), app.initiatives_dashboard_changed(), app.objectives_dashboard_changed();
DROP FUNCTION app.bump_dashboard(text, uuid[], uuid[], uuid[], text[], smallint[], timestamptz[], uuid[], integer[]);
DROP INDEX rumbo.activities_org_assignee_open_idx;
DROP INDEX rumbo.objectives_org_updated_idx;
DROP TABLE rumbo.progress_weeks, rumbo.member_stats, rumbo.completion_months, rumbo.completion_days, rumbo.area_stats;
DROP TRIGGER initiatives_completed_at ON rumbo.initiatives;
DROP TRIGGER objectives_completed_at ON rumbo.objectives;
DROP FUNCTION app.set_completed_at();
ALTER TABLE rumbo.initiatives DROP COLUMN completed_at;
ALTER TABLE rumbo.objectives DROP COLUMN completed_at;
REVOKE UPDATE (progress_target) ON rumbo.organizations FROM rumbo_app;
ALTER TABLE rumbo.organizations DROP COLUMN progress_target;
