-- Progress is derived in the database, in the same transaction as the write
-- that changes it, so every page, stat and export reads the same number:
--   key result  = clamp((current - start) / (target - start), 0, 1), as a whole
--                 percentage; when start = target it is 100 once current has
--                 reached the target in its direction, else 0;
--   objective   = weighted mean of its live key results, or progress_manual
--                 when it has none;
--   initiative  = share of its live, non-cancelled activities that are
--                 completed, or progress_manual when it has none.
-- Percentages round half up.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION app.kr_progress(p_direction text, p_start numeric, p_target numeric, p_current numeric)
RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN p_target = p_start THEN
            CASE WHEN (p_direction = 'increase' AND p_current >= p_target)
                   OR (p_direction = 'decrease' AND p_current <= p_target) THEN 100 ELSE 0 END
        ELSE round(100 * greatest(0, least(1, (p_current - p_start) / (p_target - p_start))))
    END)::smallint
$$;
-- +goose StatementEnd

ALTER TABLE rumbo.key_results
    ADD COLUMN progress smallint NOT NULL
    GENERATED ALWAYS AS (app.kr_progress(direction, start_value, target_value, current_value)) STORED;

-- +goose StatementBegin
CREATE FUNCTION app.refresh_objective_progress(p_orgs uuid[], p_objectives uuid[]) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    UPDATE rumbo.objectives AS o
    SET progress = coalesce(k.p, o.progress_manual)
    FROM unnest(p_orgs, p_objectives) AS c(org_id, objective_id)
    LEFT JOIN LATERAL (
        SELECT round(sum(kr.weight * kr.progress) / sum(kr.weight))::smallint AS p
        FROM rumbo.key_results AS kr
        WHERE kr.org_id = c.org_id AND kr.objective_id = c.objective_id AND kr.archived_at IS NULL
    ) AS k ON true
    WHERE o.org_id = c.org_id AND o.id = c.objective_id
      AND o.progress IS DISTINCT FROM coalesce(k.p, o.progress_manual);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.key_results_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.refresh_objective_progress(array_agg(org_id), array_agg(objective_id))
        FROM (SELECT DISTINCT org_id, objective_id FROM old_rows) AS d;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.refresh_objective_progress(array_agg(org_id), array_agg(objective_id))
        FROM (SELECT DISTINCT org_id, objective_id FROM new_rows) AS d;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER key_results_progress_ins AFTER INSERT ON rumbo.key_results
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.key_results_changed();
CREATE TRIGGER key_results_progress_upd AFTER UPDATE ON rumbo.key_results
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.key_results_changed();
CREATE TRIGGER key_results_progress_del AFTER DELETE ON rumbo.key_results
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.key_results_changed();

-- An objective without key results shows its manual progress.
-- +goose StatementBegin
CREATE FUNCTION app.objective_manual_progress() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NOT EXISTS (
        SELECT 1 FROM rumbo.key_results AS kr
        WHERE kr.org_id = NEW.org_id AND kr.objective_id = NEW.id AND kr.archived_at IS NULL) THEN
        NEW.progress := NEW.progress_manual;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_manual_progress BEFORE INSERT OR UPDATE OF progress_manual ON rumbo.objectives
    FOR EACH ROW EXECUTE FUNCTION app.objective_manual_progress();

-- +goose StatementBegin
CREATE FUNCTION app.refresh_initiative_progress(p_orgs uuid[], p_initiatives uuid[]) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    UPDATE rumbo.initiatives AS i
    SET progress = coalesce(a.p, i.progress_manual)
    FROM unnest(p_orgs, p_initiatives) AS c(org_id, initiative_id)
    LEFT JOIN LATERAL (
        SELECT round(100.0 * count(*) FILTER (WHERE x.status = 'completed') / nullif(count(*), 0))::smallint AS p
        FROM rumbo.activities AS x
        WHERE x.org_id = c.org_id AND x.initiative_id = c.initiative_id
          AND x.archived_at IS NULL AND x.status <> 'cancelled'
    ) AS a ON true
    WHERE i.org_id = c.org_id AND i.id = c.initiative_id
      AND i.progress IS DISTINCT FROM coalesce(a.p, i.progress_manual);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.activities_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM app.refresh_initiative_progress(array_agg(org_id), array_agg(initiative_id))
        FROM (SELECT DISTINCT org_id, initiative_id FROM old_rows) AS d;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM app.refresh_initiative_progress(array_agg(org_id), array_agg(initiative_id))
        FROM (SELECT DISTINCT org_id, initiative_id FROM new_rows) AS d;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER activities_progress_ins AFTER INSERT ON rumbo.activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_changed();
CREATE TRIGGER activities_progress_upd AFTER UPDATE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_changed();
CREATE TRIGGER activities_progress_del AFTER DELETE ON rumbo.activities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.activities_changed();

-- +goose StatementBegin
CREATE FUNCTION app.initiative_manual_progress() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NOT EXISTS (
        SELECT 1 FROM rumbo.activities AS x
        WHERE x.org_id = NEW.org_id AND x.initiative_id = NEW.id
          AND x.archived_at IS NULL AND x.status <> 'cancelled') THEN
        NEW.progress := NEW.progress_manual;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER initiatives_manual_progress BEFORE INSERT OR UPDATE OF progress_manual ON rumbo.initiatives
    FOR EACH ROW EXECUTE FUNCTION app.initiative_manual_progress();

GRANT EXECUTE ON FUNCTION app.kr_progress(text, numeric, numeric, numeric),
    app.refresh_objective_progress(uuid[], uuid[]), app.refresh_initiative_progress(uuid[], uuid[])
    TO rumbo_app;
