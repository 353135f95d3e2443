-- The OKR core's data rules, kept by the database so every write path
-- (forms, inline edits, imports, loaders) obeys them:
--   * initiatives and activities carry their objective's area and period
--     (and activities their objective), copied on insert and kept in step
--     when an ancestor moves, so tables filter and stats count by area and
--     period without joins;
--   * the stat buckets gain the period, so every stats card can follow the
--     period selector and stay O(statuses x dates);
--   * archiving an item archives its children with the same timestamp, and
--     restoring it brings back exactly those;
--   * every change to an objective, key result, initiative or activity is
--     written to the append-only history, with the request's user;
--   * each member's period choice is remembered.

-- +goose Up
ALTER TABLE rumbo.initiatives
    ADD COLUMN area_id uuid,
    ADD COLUMN period_id uuid,
    ADD FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (area_id),
    ADD FOREIGN KEY (org_id, period_id) REFERENCES rumbo.periods (org_id, id) ON DELETE SET NULL (period_id);
ALTER TABLE rumbo.activities
    ADD COLUMN objective_id uuid,
    ADD COLUMN area_id uuid,
    ADD COLUMN period_id uuid,
    ADD FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    ADD FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (area_id),
    ADD FOREIGN KEY (org_id, period_id) REFERENCES rumbo.periods (org_id, id) ON DELETE SET NULL (period_id);

UPDATE rumbo.initiatives AS i SET area_id = o.area_id, period_id = o.period_id
FROM rumbo.objectives AS o WHERE o.org_id = i.org_id AND o.id = i.objective_id;
UPDATE rumbo.activities AS a SET objective_id = i.objective_id, area_id = i.area_id, period_id = i.period_id
FROM rumbo.initiatives AS i WHERE i.org_id = a.org_id AND i.id = a.initiative_id;
ALTER TABLE rumbo.activities ALTER COLUMN objective_id SET NOT NULL;

CREATE INDEX initiatives_org_area_idx ON rumbo.initiatives (org_id, area_id, end_date, id);
CREATE INDEX initiatives_org_period_idx ON rumbo.initiatives (org_id, period_id, end_date, id);
CREATE INDEX initiatives_org_title_idx ON rumbo.initiatives (org_id, lower(title), id) WHERE archived_at IS NULL;
CREATE INDEX initiatives_org_progress_idx ON rumbo.initiatives (org_id, progress, id) WHERE archived_at IS NULL;
CREATE INDEX initiatives_org_start_idx ON rumbo.initiatives (org_id, start_date, id) WHERE archived_at IS NULL;
CREATE INDEX initiatives_org_status_end_idx ON rumbo.initiatives (org_id, status, end_date, id) WHERE archived_at IS NULL;
CREATE INDEX activities_org_objective_idx ON rumbo.activities (org_id, objective_id);
CREATE INDEX activities_org_area_idx ON rumbo.activities (org_id, area_id, due_date, id);
CREATE INDEX activities_org_period_idx ON rumbo.activities (org_id, period_id, due_date, id);
CREATE INDEX activities_org_assignee_due_idx ON rumbo.activities (org_id, assignee_id, due_date, id) WHERE archived_at IS NULL;
CREATE INDEX activities_org_status_due_idx ON rumbo.activities (org_id, status, due_date, id) WHERE archived_at IS NULL;
CREATE INDEX activities_org_title_idx ON rumbo.activities (org_id, lower(title), id) WHERE archived_at IS NULL;
CREATE INDEX activities_org_priority_idx ON rumbo.activities (org_id, priority, due_date, id) WHERE archived_at IS NULL;

-- Copies the ancestry on insert and when the parent changes.
-- +goose StatementBegin
CREATE FUNCTION app.initiative_inherit() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    -- A row for another organisation than the request's: RLS refuses it
    -- (42501) right after this trigger; looking its parent up would only
    -- turn that refusal into a misleading "not found".
    IF app.org_id() IS NOT NULL AND NEW.org_id IS DISTINCT FROM app.org_id() THEN
        RETURN NEW;
    END IF;
    SELECT o.area_id, o.period_id INTO NEW.area_id, NEW.period_id
    FROM rumbo.objectives AS o WHERE o.org_id = NEW.org_id AND o.id = NEW.objective_id;
    IF NOT FOUND THEN -- what the composite foreign key would say, only sooner
        RAISE EXCEPTION 'objective % not found in the organisation', NEW.objective_id USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER initiatives_inherit BEFORE INSERT OR UPDATE OF objective_id ON rumbo.initiatives
    FOR EACH ROW EXECUTE FUNCTION app.initiative_inherit();

-- +goose StatementBegin
CREATE FUNCTION app.activity_inherit() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF app.org_id() IS NOT NULL AND NEW.org_id IS DISTINCT FROM app.org_id() THEN
        RETURN NEW; -- RLS refuses it next (see initiative_inherit)
    END IF;
    SELECT i.objective_id, i.area_id, i.period_id INTO NEW.objective_id, NEW.area_id, NEW.period_id
    FROM rumbo.initiatives AS i WHERE i.org_id = NEW.org_id AND i.id = NEW.initiative_id;
    IF NOT FOUND THEN -- what the composite foreign key would say, only sooner
        RAISE EXCEPTION 'initiative % not found in the organisation', NEW.initiative_id USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER activities_inherit BEFORE INSERT OR UPDATE OF initiative_id ON rumbo.activities
    FOR EACH ROW EXECUTE FUNCTION app.activity_inherit();

-- After an objective or initiative changes: its children follow its area
-- and period, and its archiving (or restoring) reaches them. Transition
-- tables cannot go with column lists, so these run on every UPDATE and
-- look only at the rows whose relevant columns changed.
-- +goose StatementBegin
CREATE FUNCTION app.objectives_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    -- Statement triggers fire for zero rows too; stopping here is what
    -- ends the chain of cascades.
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE rumbo.initiatives AS i SET area_id = n.area_id, period_id = n.period_id
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE (n.area_id, n.period_id) IS DISTINCT FROM (o.area_id, o.period_id)
      AND i.org_id = n.org_id AND i.objective_id = n.id;

    UPDATE rumbo.key_results AS k SET archived_at = n.archived_at
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NULL AND n.archived_at IS NOT NULL
      AND k.org_id = n.org_id AND k.objective_id = n.id AND k.archived_at IS NULL;
    UPDATE rumbo.key_results AS k SET archived_at = NULL
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NOT NULL AND n.archived_at IS NULL
      AND k.org_id = n.org_id AND k.objective_id = n.id AND k.archived_at = o.archived_at;

    UPDATE rumbo.initiatives AS i SET archived_at = n.archived_at
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NULL AND n.archived_at IS NOT NULL
      AND i.org_id = n.org_id AND i.objective_id = n.id AND i.archived_at IS NULL;
    UPDATE rumbo.initiatives AS i SET archived_at = NULL
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NOT NULL AND n.archived_at IS NULL
      AND i.org_id = n.org_id AND i.objective_id = n.id AND i.archived_at = o.archived_at;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER objectives_cascade AFTER UPDATE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_cascade();

-- +goose StatementBegin
CREATE FUNCTION app.initiatives_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    -- Statement triggers fire for zero rows too; stopping here is what
    -- ends the chain of cascades.
    IF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE rumbo.activities AS a SET objective_id = n.objective_id, area_id = n.area_id, period_id = n.period_id
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE (n.objective_id, n.area_id, n.period_id) IS DISTINCT FROM (o.objective_id, o.area_id, o.period_id)
      AND a.org_id = n.org_id AND a.initiative_id = n.id;

    UPDATE rumbo.activities AS a SET archived_at = n.archived_at
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NULL AND n.archived_at IS NOT NULL
      AND a.org_id = n.org_id AND a.initiative_id = n.id AND a.archived_at IS NULL;
    UPDATE rumbo.activities AS a SET archived_at = NULL
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE o.archived_at IS NOT NULL AND n.archived_at IS NULL
      AND a.org_id = n.org_id AND a.initiative_id = n.id AND a.archived_at = o.archived_at;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER initiatives_cascade AFTER UPDATE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_cascade();

-- The progress triggers of 00004 call their refresh only when rows
-- changed: an UPDATE of zero rows still fires statement triggers, and the
-- cascades above issue such UPDATEs.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.key_results_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.refresh_objective_progress(array_agg(org_id), array_agg(objective_id))
        FROM (SELECT DISTINCT org_id, objective_id FROM old_rows) AS d HAVING count(*) > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.refresh_objective_progress(array_agg(org_id), array_agg(objective_id))
        FROM (SELECT DISTINCT org_id, objective_id FROM new_rows) AS d HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.activities_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.refresh_initiative_progress(array_agg(org_id), array_agg(initiative_id))
        FROM (SELECT DISTINCT org_id, initiative_id FROM old_rows) AS d HAVING count(*) > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.refresh_initiative_progress(array_agg(org_id), array_agg(initiative_id))
        FROM (SELECT DISTINCT org_id, initiative_id FROM new_rows) AS d HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Stat buckets by period too. A row without a period counts under the
-- all-zero uuid (primary key columns cannot be NULL).
ALTER TABLE rumbo.stat_buckets ADD COLUMN period_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE rumbo.stat_buckets DROP CONSTRAINT stat_buckets_pkey;
ALTER TABLE rumbo.stat_buckets ADD PRIMARY KEY (org_id, entity, period_id, status, due);

DROP FUNCTION app.bump_stats(text, uuid[], text[], date[], smallint[], integer) CASCADE;
-- +goose StatementBegin
CREATE FUNCTION app.bump_stats(p_entity text, p_orgs uuid[], p_periods uuid[], p_statuses text[], p_dues date[],
                               p_progress smallint[], p_sign integer) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    INSERT INTO rumbo.stat_buckets AS b (org_id, entity, period_id, status, due, n, progress_sum)
    SELECT r.org_id, p_entity, coalesce(r.period_id, '00000000-0000-0000-0000-000000000000'), r.status,
           coalesce(r.due, 'infinity'), p_sign * count(*), p_sign * sum(r.progress)
    FROM unnest(p_orgs, p_periods, p_statuses, p_dues, p_progress) AS r(org_id, period_id, status, due, progress)
    -- skips organisations being deleted (their buckets go with them)
    WHERE EXISTS (SELECT 1 FROM rumbo.organizations AS o WHERE o.id = r.org_id)
    GROUP BY 1, 3, 4, 5
    ORDER BY 1, 3, 4, 5
    ON CONFLICT (org_id, entity, period_id, status, due)
    DO UPDATE SET n = b.n + excluded.n, progress_sum = b.progress_sum + excluded.progress_sum;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.objectives_stats_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.bump_stats('objective', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(end_date), array_agg(progress), -1)
        FROM old_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.bump_stats('objective', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(end_date), array_agg(progress), 1)
        FROM new_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.initiatives_stats_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.bump_stats('initiative', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(end_date), array_agg(progress), -1)
        FROM old_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.bump_stats('initiative', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(end_date), array_agg(progress), 1)
        FROM new_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.activities_stats_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.bump_stats('activity', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(due_date),
                               array_agg(CASE WHEN status = 'completed' THEN 100 ELSE 0 END::smallint), -1)
        FROM old_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.bump_stats('activity', array_agg(org_id), array_agg(period_id), array_agg(status),
                               array_agg(due_date),
                               array_agg(CASE WHEN status = 'completed' THEN 100 ELSE 0 END::smallint), 1)
        FROM new_rows WHERE archived_at IS NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Rebuild the buckets with their period.
DELETE FROM rumbo.stat_buckets;
INSERT INTO rumbo.stat_buckets (org_id, entity, period_id, status, due, n, progress_sum)
SELECT org_id, 'objective', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, end_date,
       count(*), sum(progress)
FROM rumbo.objectives WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5;
INSERT INTO rumbo.stat_buckets (org_id, entity, period_id, status, due, n, progress_sum)
SELECT org_id, 'initiative', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status, end_date,
       count(*), sum(progress)
FROM rumbo.initiatives WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5;
INSERT INTO rumbo.stat_buckets (org_id, entity, period_id, status, due, n, progress_sum)
SELECT org_id, 'activity', coalesce(period_id, '00000000-0000-0000-0000-000000000000'), status,
       coalesce(due_date, 'infinity'), count(*), sum(CASE WHEN status = 'completed' THEN 100 ELSE 0 END)
FROM rumbo.activities WHERE archived_at IS NULL GROUP BY 1, 3, 4, 5;

-- The append-only history: who changed which field of which item, from
-- what to what. The actor is the request's user (NULL for loaders); ids
-- are stored as text and named when shown. Derived values (progress) are
-- not history: their causes (check-ins, activities) are.
-- +goose StatementBegin
CREATE FUNCTION app.objectives_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rumbo.changes (org_id, objective_id, actor_id, field, new_value)
        SELECT n.org_id, n.id, app.user_id(), 'created', n.title FROM new_rows AS n WHERE app.user_id() IS NOT NULL;
        RETURN NULL;
    END IF;
    INSERT INTO rumbo.changes (org_id, objective_id, actor_id, field, old_value, new_value)
    SELECT n.org_id, n.id, app.user_id(), d.field, d.old, d.new
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    CROSS JOIN LATERAL (VALUES
        ('title', o.title, n.title), ('description', o.description, n.description),
        ('owner_id', o.owner_id::text, n.owner_id::text), ('area_id', o.area_id::text, n.area_id::text),
        ('period_id', o.period_id::text, n.period_id::text), ('parent_id', o.parent_id::text, n.parent_id::text),
        ('status', o.status, n.status), ('priority', o.priority, n.priority),
        ('start_date', o.start_date::text, n.start_date::text), ('end_date', o.end_date::text, n.end_date::text),
        ('progress_manual', o.progress_manual::text, n.progress_manual::text),
        ('archived', (o.archived_at IS NOT NULL)::text, (n.archived_at IS NOT NULL)::text)
    ) AS d(field, old, new)
    WHERE d.old IS DISTINCT FROM d.new AND app.user_id() IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.key_results_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rumbo.changes (org_id, key_result_id, actor_id, field, new_value)
        SELECT n.org_id, n.id, app.user_id(), 'created', n.title FROM new_rows AS n WHERE app.user_id() IS NOT NULL;
        RETURN NULL;
    END IF;
    INSERT INTO rumbo.changes (org_id, key_result_id, actor_id, field, old_value, new_value)
    SELECT n.org_id, n.id, app.user_id(), d.field, d.old, d.new
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    CROSS JOIN LATERAL (VALUES
        ('title', o.title, n.title), ('kind', o.kind, n.kind), ('direction', o.direction, n.direction),
        ('start_value', o.start_value::text, n.start_value::text),
        ('target_value', o.target_value::text, n.target_value::text),
        ('current_value', o.current_value::text, n.current_value::text), ('unit', o.unit, n.unit),
        ('weight', o.weight::text, n.weight::text), ('owner_id', o.owner_id::text, n.owner_id::text),
        ('archived', (o.archived_at IS NOT NULL)::text, (n.archived_at IS NOT NULL)::text)
    ) AS d(field, old, new)
    WHERE d.old IS DISTINCT FROM d.new AND app.user_id() IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.initiatives_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rumbo.changes (org_id, initiative_id, actor_id, field, new_value)
        SELECT n.org_id, n.id, app.user_id(), 'created', n.title FROM new_rows AS n WHERE app.user_id() IS NOT NULL;
        RETURN NULL;
    END IF;
    INSERT INTO rumbo.changes (org_id, initiative_id, actor_id, field, old_value, new_value)
    SELECT n.org_id, n.id, app.user_id(), d.field, d.old, d.new
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    CROSS JOIN LATERAL (VALUES
        ('title', o.title, n.title), ('description', o.description, n.description),
        ('objective_id', o.objective_id::text, n.objective_id::text), ('owner_id', o.owner_id::text, n.owner_id::text),
        ('status', o.status, n.status), ('priority', o.priority, n.priority),
        ('start_date', o.start_date::text, n.start_date::text), ('end_date', o.end_date::text, n.end_date::text),
        ('progress_manual', o.progress_manual::text, n.progress_manual::text),
        ('archived', (o.archived_at IS NOT NULL)::text, (n.archived_at IS NOT NULL)::text)
    ) AS d(field, old, new)
    WHERE d.old IS DISTINCT FROM d.new AND app.user_id() IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.activities_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rumbo.changes (org_id, activity_id, actor_id, field, new_value)
        SELECT n.org_id, n.id, app.user_id(), 'created', n.title FROM new_rows AS n WHERE app.user_id() IS NOT NULL;
        RETURN NULL;
    END IF;
    INSERT INTO rumbo.changes (org_id, activity_id, actor_id, field, old_value, new_value)
    SELECT n.org_id, n.id, app.user_id(), d.field, d.old, d.new
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    CROSS JOIN LATERAL (VALUES
        ('title', o.title, n.title), ('description', o.description, n.description),
        ('initiative_id', o.initiative_id::text, n.initiative_id::text),
        ('assignee_id', o.assignee_id::text, n.assignee_id::text),
        ('status', o.status, n.status), ('priority', o.priority, n.priority),
        ('start_date', o.start_date::text, n.start_date::text), ('due_date', o.due_date::text, n.due_date::text),
        ('estimated_hours', o.estimated_hours::text, n.estimated_hours::text),
        ('actual_hours', o.actual_hours::text, n.actual_hours::text),
        ('archived', (o.archived_at IS NOT NULL)::text, (n.archived_at IS NOT NULL)::text)
    ) AS d(field, old, new)
    WHERE d.old IS DISTINCT FROM d.new AND app.user_id() IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_history_ins AFTER INSERT ON rumbo.objectives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_history();
CREATE TRIGGER objectives_history_upd AFTER UPDATE ON rumbo.objectives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.objectives_history();
CREATE TRIGGER key_results_history_ins AFTER INSERT ON rumbo.key_results
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.key_results_history();
CREATE TRIGGER key_results_history_upd AFTER UPDATE ON rumbo.key_results
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.key_results_history();
CREATE TRIGGER initiatives_history_ins AFTER INSERT ON rumbo.initiatives
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_history();
CREATE TRIGGER initiatives_history_upd AFTER UPDATE ON rumbo.initiatives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.initiatives_history();
CREATE TRIGGER activities_history_ins AFTER INSERT ON rumbo.activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_history();
CREATE TRIGGER activities_history_upd AFTER UPDATE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_history();

-- The period each member looks at: the current one (by date), all, or a
-- chosen one (when that period is deleted, the choice falls back to the
-- current one).
ALTER TABLE rumbo.memberships
    ADD COLUMN period_mode text NOT NULL DEFAULT 'current' CHECK (period_mode IN ('current', 'all', 'chosen')),
    ADD COLUMN period_id uuid,
    ADD FOREIGN KEY (org_id, period_id) REFERENCES rumbo.periods (org_id, id) ON DELETE SET NULL (period_id);
CREATE INDEX memberships_org_period_idx ON rumbo.memberships (org_id, period_id);
CREATE INDEX periods_org_dates_idx ON rumbo.periods (org_id, start_date, end_date);

GRANT EXECUTE ON FUNCTION app.bump_stats(text, uuid[], uuid[], text[], date[], smallint[], integer) TO rumbo_app;

-- begin_request also says which period the member is looking at: their
-- chosen one, none ("all"), or the current one by date (NULL, meaning
-- all, when no period covers today). One join, no extra round trip.
DROP FUNCTION app.begin_request(bytea);
-- +goose StatementBegin
CREATE FUNCTION app.begin_request(p_token_hash bytea)
RETURNS TABLE (
    user_id        uuid,
    org_id         uuid,
    role           text,
    area_id        uuid,
    user_name      text,
    user_email     text,
    org_name       text,
    org_timezone   text,
    today          date,
    needs_touch    boolean,
    needs_rotation boolean,
    period_mode    text,
    period_id      uuid
)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    s rumbo.sessions%ROWTYPE;
BEGIN
    SELECT * INTO s FROM rumbo.sessions AS x
    WHERE x.token_hash = p_token_hash
      AND x.expires_at > now()
      AND x.last_seen_at + x.idle_timeout > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session not found or expired' USING ERRCODE = 'RB401';
    END IF;

    SELECT m.user_id, m.org_id, m.role, m.area_id, m.name, m.email, o.name, o.timezone,
           (now() AT TIME ZONE o.timezone)::date,
           s.last_seen_at < now() - interval '5 minutes',
           s.created_at < m.role_changed_at,
           CASE WHEN m.period_mode = 'chosen' AND m.period_id IS NULL THEN 'current' ELSE m.period_mode END,
           m.period_id
    INTO user_id, org_id, role, area_id, user_name, user_email, org_name, org_timezone, today,
         needs_touch, needs_rotation, period_mode, period_id
    FROM rumbo.memberships AS m
    JOIN rumbo.organizations AS o ON o.id = m.org_id
    WHERE m.org_id = s.current_org_id AND m.user_id = s.user_id AND m.removed_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no membership in the current organisation' USING ERRCODE = 'RB403';
    END IF;
    IF period_mode = 'all' THEN
        period_id := NULL;
    ELSIF period_mode = 'current' THEN
        SELECT p.id INTO period_id FROM rumbo.periods AS p
        WHERE p.org_id = s.current_org_id AND p.archived_at IS NULL
          AND p.start_date <= today AND p.end_date >= today
        ORDER BY p.start_date DESC, p.id LIMIT 1;
    END IF;

    PERFORM set_config('app.user_id', user_id::text, true),
            set_config('app.org_id', org_id::text, true),
            set_config('app.role', role, true);
    RETURN NEXT;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app.begin_request(bytea) TO rumbo_login, rumbo_app;

