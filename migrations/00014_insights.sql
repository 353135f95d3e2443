-- The insights page (issue 5): per-member dismissals, and what keeps its
-- queries O(items shown) in a big organisation.
--   * insight_dismissals: which insights a member hid. An insight is a rule
--     applied to one item (its key, e.g. "pace-<objective id>", is the
--     kind and the item's id), so each row points at that item through a
--     real, org-including foreign key (no untyped item id, like comments
--     and changes): another organisation's item can never be named, and
--     deleting the item deletes its dismissals. The overdue clusters of
--     "no area" and "unassigned" point at nothing (the zero uuid in the
--     key). A dismissal stays until its member restores it.
--   * open_due_months: the live, open objectives, initiatives and
--     activities per month of their end/due date, by area and by
--     owner/assignee ("person"), with their period. Overdue clusters are
--     sums over the months before the current one plus this month's rows
--     due before today, read from the tables through their (status, due)
--     indexes: exact as days pass, and O(areas + people) instead of a scan
--     of every overdue row (17,795 overdue activities in the benchmark's
--     big organisation). Kept by statement-level triggers with transition
--     tables, like the stat buckets (00005, 00009), in the same transaction
--     as the writes, so cascades and foreign-key actions keep it exact.
--     NULL area, person or period is stored as the zero uuid.
-- The other rules read the tables through the indexes added below; the
-- queries in queries/insights.sql say which.

-- +goose Up
CREATE TABLE rumbo.insight_dismissals (
    org_id        uuid NOT NULL DEFAULT app.org_id() REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('pace', 'stale-kr', 'stalled', 'forecast', 'overdue-area', 'overdue-person')),
    objective_id  uuid,
    key_result_id uuid,
    initiative_id uuid,
    area_id       uuid,
    member_id     uuid,
    item_id       uuid NOT NULL GENERATED ALWAYS AS (coalesce(objective_id, key_result_id, initiative_id, area_id, member_id,
                                                              '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
    dismissed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id, kind, item_id),
    FOREIGN KEY (org_id, user_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, key_result_id) REFERENCES rumbo.key_results (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, initiative_id) REFERENCES rumbo.initiatives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, member_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE CASCADE,
    -- each kind names its own kind of item, and only that
    CHECK (CASE kind
        WHEN 'pace' THEN objective_id IS NOT NULL AND num_nonnulls(key_result_id, initiative_id, area_id, member_id) = 0
        WHEN 'stale-kr' THEN key_result_id IS NOT NULL AND num_nonnulls(objective_id, initiative_id, area_id, member_id) = 0
        WHEN 'forecast' THEN key_result_id IS NOT NULL AND num_nonnulls(objective_id, initiative_id, area_id, member_id) = 0
        WHEN 'stalled' THEN initiative_id IS NOT NULL AND num_nonnulls(objective_id, key_result_id, area_id, member_id) = 0
        WHEN 'overdue-area' THEN num_nonnulls(objective_id, key_result_id, initiative_id, member_id) = 0
        WHEN 'overdue-person' THEN num_nonnulls(objective_id, key_result_id, initiative_id, area_id) = 0
        ELSE false END)
);
CREATE INDEX insight_dismissals_org_objective_idx ON rumbo.insight_dismissals (org_id, objective_id);
CREATE INDEX insight_dismissals_org_kr_idx ON rumbo.insight_dismissals (org_id, key_result_id);
CREATE INDEX insight_dismissals_org_initiative_idx ON rumbo.insight_dismissals (org_id, initiative_id);
CREATE INDEX insight_dismissals_org_area_idx ON rumbo.insight_dismissals (org_id, area_id);
CREATE INDEX insight_dismissals_org_member_idx ON rumbo.insight_dismissals (org_id, member_id);
SELECT app.protect_org_table('rumbo.insight_dismissals');
GRANT SELECT, INSERT, DELETE ON rumbo.insight_dismissals TO rumbo_app;
-- A dismissal changes what its member's fragments show: their ETags follow.
SELECT app.track_data_version('rumbo.insight_dismissals');

CREATE TABLE rumbo.open_due_months (
    org_id    uuid NOT NULL DEFAULT app.org_id() REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    month     date NOT NULL, -- first day of the month of the end/due date
    entity    text NOT NULL CHECK (entity IN ('objective', 'initiative', 'activity')),
    dim       text NOT NULL CHECK (dim IN ('area', 'person')),
    key       uuid NOT NULL, -- the area or the owner/assignee; zero uuid: none
    period_id uuid NOT NULL, -- zero uuid: none
    n         bigint NOT NULL,
    -- n rides in the key's index: the clusters read it without the heap
    PRIMARY KEY (org_id, month, entity, dim, key, period_id) INCLUDE (n)
);
SELECT app.protect_org_table('rumbo.open_due_months');
GRANT SELECT, INSERT, UPDATE ON rumbo.open_due_months TO rumbo_app;

-- Adds (sign 1) or removes (sign -1) open items, two rows each (area and
-- person), grouped and applied in key order so concurrent writers lock
-- rows in the same order.
-- +goose StatementBegin
CREATE FUNCTION app.bump_due_months(p_entity text, p_orgs uuid[], p_periods uuid[], p_areas uuid[], p_people uuid[],
                                    p_dues date[], p_sign integer) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    INSERT INTO rumbo.open_due_months AS b (org_id, month, entity, dim, key, period_id, n)
    SELECT r.org_id, date_trunc('month', r.due)::date, p_entity, d.dim,
           coalesce(d.key, '00000000-0000-0000-0000-000000000000'),
           coalesce(r.period_id, '00000000-0000-0000-0000-000000000000'), p_sign * count(*)
    FROM unnest(p_orgs, p_periods, p_areas, p_people, p_dues) AS r(org_id, period_id, area_id, person_id, due)
    CROSS JOIN LATERAL (VALUES ('area', r.area_id), ('person', r.person_id)) AS d(dim, key)
    -- skips organisations being deleted (their rows go with them)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (org_id, month, entity, dim, key, period_id) DO UPDATE SET n = b.n + excluded.n;
$$;
-- +goose StatementEnd

-- One function per table (their columns differ). An UPDATE moves only the
-- rows whose open state, area, person, period or date changed: progress
-- refreshes, which rewrite objectives and initiatives on every check-in and
-- activity change, touch nothing here.
-- +goose StatementBegin
CREATE FUNCTION app.objectives_due_months() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM app.bump_due_months('objective', array_agg(o.org_id), array_agg(o.period_id), array_agg(o.area_id),
                                    array_agg(o.owner_id), array_agg(o.end_date), -1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
          AND (o.status, o.archived_at, o.area_id, o.owner_id, o.period_id, o.end_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.owner_id, x.period_id, x.end_date)
        HAVING count(*) > 0;
        PERFORM app.bump_due_months('objective', array_agg(x.org_id), array_agg(x.period_id), array_agg(x.area_id),
                                    array_agg(x.owner_id), array_agg(x.end_date), 1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE x.archived_at IS NULL AND x.status IN ('draft', 'in_progress')
          AND (o.status, o.archived_at, o.area_id, o.owner_id, o.period_id, o.end_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.owner_id, x.period_id, x.end_date)
        HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_due_months('objective', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(owner_id), array_agg(end_date), -1)
        FROM old_rows WHERE archived_at IS NULL AND status IN ('draft', 'in_progress') HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_due_months('objective', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(owner_id), array_agg(end_date), 1)
        FROM new_rows WHERE archived_at IS NULL AND status IN ('draft', 'in_progress') HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.initiatives_due_months() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM app.bump_due_months('initiative', array_agg(o.org_id), array_agg(o.period_id), array_agg(o.area_id),
                                    array_agg(o.owner_id), array_agg(o.end_date), -1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE o.archived_at IS NULL AND o.status IN ('planning', 'in_progress')
          AND (o.status, o.archived_at, o.area_id, o.owner_id, o.period_id, o.end_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.owner_id, x.period_id, x.end_date)
        HAVING count(*) > 0;
        PERFORM app.bump_due_months('initiative', array_agg(x.org_id), array_agg(x.period_id), array_agg(x.area_id),
                                    array_agg(x.owner_id), array_agg(x.end_date), 1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE x.archived_at IS NULL AND x.status IN ('planning', 'in_progress')
          AND (o.status, o.archived_at, o.area_id, o.owner_id, o.period_id, o.end_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.owner_id, x.period_id, x.end_date)
        HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_due_months('initiative', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(owner_id), array_agg(end_date), -1)
        FROM old_rows WHERE archived_at IS NULL AND status IN ('planning', 'in_progress') HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_due_months('initiative', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(owner_id), array_agg(end_date), 1)
        FROM new_rows WHERE archived_at IS NULL AND status IN ('planning', 'in_progress') HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Activities without a due date are never overdue and are not counted.
-- +goose StatementBegin
CREATE FUNCTION app.activities_due_months() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM app.bump_due_months('activity', array_agg(o.org_id), array_agg(o.period_id), array_agg(o.area_id),
                                    array_agg(o.assignee_id), array_agg(o.due_date), -1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE o.archived_at IS NULL AND o.status IN ('todo', 'in_progress') AND o.due_date IS NOT NULL
          AND (o.status, o.archived_at, o.area_id, o.assignee_id, o.period_id, o.due_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.assignee_id, x.period_id, x.due_date)
        HAVING count(*) > 0;
        PERFORM app.bump_due_months('activity', array_agg(x.org_id), array_agg(x.period_id), array_agg(x.area_id),
                                    array_agg(x.assignee_id), array_agg(x.due_date), 1)
        FROM old_rows AS o JOIN new_rows AS x ON x.org_id = o.org_id AND x.id = o.id
        WHERE x.archived_at IS NULL AND x.status IN ('todo', 'in_progress') AND x.due_date IS NOT NULL
          AND (o.status, o.archived_at, o.area_id, o.assignee_id, o.period_id, o.due_date)
              IS DISTINCT FROM (x.status, x.archived_at, x.area_id, x.assignee_id, x.period_id, x.due_date)
        HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM app.bump_due_months('activity', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(assignee_id), array_agg(due_date), -1)
        FROM old_rows WHERE archived_at IS NULL AND status IN ('todo', 'in_progress') AND due_date IS NOT NULL
        HAVING count(*) > 0;
    ELSE
        PERFORM app.bump_due_months('activity', array_agg(org_id), array_agg(period_id), array_agg(area_id),
                                    array_agg(assignee_id), array_agg(due_date), 1)
        FROM new_rows WHERE archived_at IS NULL AND status IN ('todo', 'in_progress') AND due_date IS NOT NULL
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_due_months_ins AFTER INSERT ON rumbo.objectives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_due_months();
CREATE TRIGGER objectives_due_months_upd AFTER UPDATE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_due_months();
CREATE TRIGGER objectives_due_months_del AFTER DELETE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_due_months();
CREATE TRIGGER initiatives_due_months_ins AFTER INSERT ON rumbo.initiatives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_due_months();
CREATE TRIGGER initiatives_due_months_upd AFTER UPDATE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_due_months();
CREATE TRIGGER initiatives_due_months_del AFTER DELETE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_due_months();
CREATE TRIGGER activities_due_months_ins AFTER INSERT ON rumbo.activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_due_months();
CREATE TRIGGER activities_due_months_upd AFTER UPDATE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_due_months();
CREATE TRIGGER activities_due_months_del AFTER DELETE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_due_months();

GRANT EXECUTE ON FUNCTION app.bump_due_months(text, uuid[], uuid[], uuid[], uuid[], date[], integer) TO rumbo_app;

-- From the existing rows.
INSERT INTO rumbo.open_due_months (org_id, month, entity, dim, key, period_id, n)
SELECT x.org_id, date_trunc('month', x.due)::date, x.entity, d.dim,
       coalesce(d.key, '00000000-0000-0000-0000-000000000000'),
       coalesce(x.period_id, '00000000-0000-0000-0000-000000000000'), count(*)
FROM (
    SELECT org_id, 'objective' AS entity, period_id, area_id, owner_id AS person_id, end_date AS due
    FROM rumbo.objectives WHERE archived_at IS NULL AND status IN ('draft', 'in_progress')
    UNION ALL
    SELECT org_id, 'initiative', period_id, area_id, owner_id, end_date
    FROM rumbo.initiatives WHERE archived_at IS NULL AND status IN ('planning', 'in_progress')
    UNION ALL
    SELECT org_id, 'activity', period_id, area_id, assignee_id, due_date
    FROM rumbo.activities WHERE archived_at IS NULL AND status IN ('todo', 'in_progress') AND due_date IS NOT NULL
) AS x
CROSS JOIN LATERAL (VALUES ('area', x.area_id), ('person', x.person_id)) AS d(dim, key)
GROUP BY 1, 2, 3, 4, 5, 6;

-- Pace, stale key results and forecasts walk the open objectives by end
-- date, reading only this index (no heap) until they pick the few shown.
CREATE INDEX objectives_org_open_end_idx ON rumbo.objectives (org_id, end_date)
    INCLUDE (start_date, progress, status, period_id)
    WHERE archived_at IS NULL AND status IN ('draft', 'in_progress');
-- The overdue clusters' days of the current month, without the heap.
CREATE INDEX activities_org_open_due_idx ON rumbo.activities (org_id, due_date)
    INCLUDE (area_id, assignee_id, period_id)
    WHERE archived_at IS NULL AND status IN ('todo', 'in_progress');
-- "No completed activity for 14 days": an initiative's latest completion.
CREATE INDEX activities_org_initiative_done_idx ON rumbo.activities (org_id, initiative_id, completed_at)
    WHERE completed_at IS NOT NULL AND archived_at IS NULL;

-- +goose Down
DROP INDEX rumbo.activities_org_initiative_done_idx;
DROP INDEX rumbo.activities_org_open_due_idx;
DROP INDEX rumbo.objectives_org_open_end_idx;
DROP TRIGGER objectives_due_months_ins ON rumbo.objectives;
DROP TRIGGER objectives_due_months_upd ON rumbo.objectives;
DROP TRIGGER objectives_due_months_del ON rumbo.objectives;
DROP TRIGGER initiatives_due_months_ins ON rumbo.initiatives;
DROP TRIGGER initiatives_due_months_upd ON rumbo.initiatives;
DROP TRIGGER initiatives_due_months_del ON rumbo.initiatives;
DROP TRIGGER activities_due_months_ins ON rumbo.activities;
DROP TRIGGER activities_due_months_upd ON rumbo.activities;
DROP TRIGGER activities_due_months_del ON rumbo.activities;
DROP FUNCTION app.objectives_due_months(), app.initiatives_due_months(), app.activities_due_months(),
    app.bump_due_months(text, uuid[], uuid[], uuid[], uuid[], date[], integer);
DROP TABLE rumbo.open_due_months, rumbo.insight_dismissals;
