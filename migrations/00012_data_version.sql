-- A version number per organisation that changes whenever data a page may
-- show changes, so fragments can answer If-None-Match with 304 after one
-- cheap lookup (begin_request returns it with the request context).
--
-- The bump is a DEFERRABLE INITIALLY DEFERRED constraint trigger: it runs
-- at commit, after every other lock of the transaction was taken, so the
-- version row is always the last lock and two writers of one organisation
-- queue on it briefly instead of deadlocking. It counts once per
-- transaction (a transaction-local marker), and only for writes made with
-- a request context: bulk loads as rumbo_owner (demo, seed) do not queue an
-- event per row, and the server's boot id in the ETag covers them.
--
-- No Down: like 00009, it redefines begin_request; roll back by restoring
-- a backup.

-- +goose Up
CREATE TABLE rumbo.org_data_versions (
    org_id  uuid PRIMARY KEY REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    version bigint NOT NULL DEFAULT 1
);
ALTER TABLE rumbo.org_data_versions ALTER COLUMN org_id SET DEFAULT app.org_id();
SELECT app.protect_org_table('rumbo.org_data_versions');
GRANT SELECT, INSERT, UPDATE ON rumbo.org_data_versions TO rumbo_app;

-- +goose StatementBegin
CREATE FUNCTION app.bump_data_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    org uuid := app.org_id();
BEGIN
    IF org IS NULL OR current_setting('rumbo.data_version_bumped', true) = org::text THEN
        RETURN NULL;
    END IF;
    INSERT INTO rumbo.org_data_versions AS v (org_id) VALUES (org)
    ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1;
    PERFORM set_config('rumbo.data_version_bumped', org::text, true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION app.bump_data_version() FROM PUBLIC;

-- Later migrations call this for the tables they add whose changes pages
-- show (DDL helper, owner only, like app.protect_org_table).
-- +goose StatementBegin
CREATE FUNCTION app.track_data_version(t regclass) RETURNS void
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    EXECUTE format('CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (app.org_id() IS NOT NULL) '
                   'EXECUTE FUNCTION app.bump_data_version()', t);
END $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION app.track_data_version(regclass) FROM PUBLIC;

SELECT app.track_data_version(t) FROM unnest(ARRAY[
    'rumbo.areas', 'rumbo.periods', 'rumbo.objectives', 'rumbo.key_results', 'rumbo.check_ins',
    'rumbo.initiatives', 'rumbo.activities']::regclass[]) AS t;

-- Memberships change on every visit (last_active_at): only joins, removals
-- and changes of role, area, manager or name count.
CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR DELETE ON rumbo.memberships
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (app.org_id() IS NOT NULL)
    EXECUTE FUNCTION app.bump_data_version();
CREATE CONSTRAINT TRIGGER data_version_update AFTER UPDATE ON rumbo.memberships
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (app.org_id() IS NOT NULL AND (OLD.role, OLD.area_id, OLD.manager_id, OLD.name, OLD.removed_at)
          IS DISTINCT FROM (NEW.role, NEW.area_id, NEW.manager_id, NEW.name, NEW.removed_at))
    EXECUTE FUNCTION app.bump_data_version();
-- The organisation's settings (time zone, targets) shape pages too.
CREATE CONSTRAINT TRIGGER data_version AFTER UPDATE ON rumbo.organizations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (app.org_id() IS NOT NULL)
    EXECUTE FUNCTION app.bump_data_version();

-- begin_request also returns the organisation's data version.
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
    period_id      uuid,
    data_version   bigint
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
           m.period_id,
           coalesce((SELECT v.version FROM rumbo.org_data_versions AS v WHERE v.org_id = m.org_id), 0)
    INTO user_id, org_id, role, area_id, user_name, user_email, org_name, org_timezone, today,
         needs_touch, needs_rotation, period_mode, period_id, data_version
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
