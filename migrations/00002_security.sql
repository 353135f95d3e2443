-- Row Level Security and grants (DESIGN.md rules 1-4, 9, 10).
--
-- rumbo_owner owns everything and runs migrations; FORCE RLS applies to it
-- too, so every table has an explicit owner policy instead of a bypass
-- attribute. rumbo_app is what request transactions run as: DML on org
-- tables, each guarded by plain equality on the row's own org_id.
-- rumbo_login is what the web pool connects as: it can only call
-- app.begin_request and switch to rumbo_app.

-- +goose Up
-- Context helpers: STABLE (never IMMUTABLE, or the planner could fold one
-- request's value into a cached plan), and '' counts as unset because a
-- transaction-local setting reads back as '' after the transaction ends.
CREATE FUNCTION app.org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
CREATE FUNCTION app.user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app.role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.role', true), '') $$;

-- Enables and forces RLS on an org table and gives it the two policies every
-- org table has. Later migrations call it for the tables they add; the
-- catalog tests check the result.
-- +goose StatementBegin
CREATE FUNCTION app.protect_org_table(t regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %s TO rumbo_app USING (org_id = (SELECT app.org_id())) WITH CHECK (org_id = (SELECT app.org_id()))', t);
    EXECUTE format('CREATE POLICY owner_all ON %s TO rumbo_owner USING (true) WITH CHECK (true)', t);
END $$;
-- +goose StatementEnd

-- Tables without org_id (DESIGN.md allow-list) get only the owner policy: the
-- app role has no grant on them at all and reaches them only through the
-- SECURITY DEFINER functions of 00003.
-- +goose StatementBegin
CREATE FUNCTION app.protect_global_table(t regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY owner_all ON %s TO rumbo_owner USING (true) WITH CHECK (true)', t);
END $$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION app.protect_org_table(regclass), app.protect_global_table(regclass) FROM PUBLIC;

SELECT app.protect_org_table(t) FROM unnest(ARRAY[
    'rumbo.memberships', 'rumbo.areas', 'rumbo.periods', 'rumbo.objectives', 'rumbo.key_results',
    'rumbo.check_ins', 'rumbo.initiatives', 'rumbo.activities', 'rumbo.comments', 'rumbo.changes',
    'rumbo.invitations']::regclass[]) AS t;
SELECT app.protect_global_table(t) FROM unnest(ARRAY[
    'rumbo.users', 'rumbo.sessions', 'rumbo.login_attempts', 'rumbo.password_resets']::regclass[]) AS t;

-- The organisation row itself: the app role reads only its own.
ALTER TABLE rumbo.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE rumbo.organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rumbo.organizations TO rumbo_app
    USING (id = (SELECT app.org_id())) WITH CHECK (id = (SELECT app.org_id()));
CREATE POLICY owner_all ON rumbo.organizations TO rumbo_owner USING (true) WITH CHECK (true);

-- INSERTs need not name org_id: it defaults to the request's organisation,
-- and with no context the default is NULL, so the INSERT fails loudly.
ALTER TABLE rumbo.memberships ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.areas ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.periods ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.objectives ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.key_results ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.check_ins ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.initiatives ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.activities ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.comments ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.changes ALTER COLUMN org_id SET DEFAULT app.org_id();
ALTER TABLE rumbo.invitations ALTER COLUMN org_id SET DEFAULT app.org_id();

-- Grants. Nothing for PUBLIC; the app role gets DML on org tables only
-- (check-ins and change history are append-only: no UPDATE or DELETE).
REVOKE ALL ON ALL TABLES IN SCHEMA rumbo FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
-- Without IN SCHEMA: a per-schema default can only add to the global
-- defaults, so it could not take PUBLIC's EXECUTE away from functions that
-- later migrations create. Each function is granted explicitly instead.
ALTER DEFAULT PRIVILEGES FOR ROLE rumbo_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT USAGE ON SCHEMA rumbo TO rumbo_app;
GRANT USAGE ON SCHEMA app TO rumbo_app, rumbo_login;
GRANT EXECUTE ON FUNCTION app.org_id(), app.user_id(), app.role() TO rumbo_app;
GRANT SELECT ON rumbo.organizations TO rumbo_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    rumbo.memberships, rumbo.areas, rumbo.periods, rumbo.objectives, rumbo.key_results,
    rumbo.initiatives, rumbo.activities, rumbo.comments, rumbo.invitations
    TO rumbo_app;
GRANT SELECT, INSERT ON rumbo.check_ins, rumbo.changes TO rumbo_app;
