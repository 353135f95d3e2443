-- Members and organisation settings (issue 3): optimistic concurrency for
-- the member and organisation forms, the rule that an organisation always
-- keeps an active corporativo (enforced here, race-free, not only in Go),
-- a time zone check on every stored organisation, look versions that are
-- unique across organisations (they key the browser's cache of
-- /org/theme.css and /org/logo), and the column-level UPDATE grant that lets
-- a corporativo edit their own organisation's row.

-- +goose Up
-- Adding a column with a constant default rewrites nothing (PostgreSQL 11+).
ALTER TABLE rumbo.memberships ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE rumbo.organizations ADD COLUMN version integer NOT NULL DEFAULT 1;

-- The last corporativo. Fires after a statement demotes or removes an active
-- corporativo (or deletes one), and fails with 23R09 when the organisation
-- would have none left. Concurrent changes are serialised on the
-- organisation's row (FOR NO KEY UPDATE: it does not block the key-share
-- locks that foreign-key checks take), and the count runs after the lock
-- in a fresh READ COMMITTED snapshot, so of two transactions that each
-- demote one of the last two corporativos, the second sees the first's
-- commit and fails. This relies on READ COMMITTED, which request
-- transactions use: under REPEATABLE READ the second would keep its older
-- snapshot and miss the first's commit (SERIALIZABLE would catch the write
-- skew itself).
-- 23R09 is class 23 (integrity constraint violation) with an
-- implementation-defined subclass: the handlers' savepoint (r.attempt)
-- catches it like any constraint error, and a path that does not expect it
-- still answers 422, never 500. Cascaded deletes (a user or the
-- organisation itself being deleted) are not refused: pg_trigger_depth() > 1
-- means a foreign key's action fired this trigger.
-- +goose StatementBegin
CREATE FUNCTION app.keep_a_corporativo() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM rumbo.organizations AS o WHERE o.id = OLD.org_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM rumbo.memberships AS m
                   WHERE m.org_id = OLD.org_id AND m.role = 'corporativo' AND m.removed_at IS NULL) THEN
        RAISE EXCEPTION 'an organisation needs at least one active corporativo' USING ERRCODE = '23R09';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER memberships_keep_corporativo_upd AFTER UPDATE OF role, removed_at ON rumbo.memberships
    FOR EACH ROW
    WHEN (OLD.role = 'corporativo' AND OLD.removed_at IS NULL
          AND (NEW.role <> 'corporativo' OR NEW.removed_at IS NOT NULL))
    EXECUTE FUNCTION app.keep_a_corporativo();
CREATE TRIGGER memberships_keep_corporativo_del AFTER DELETE ON rumbo.memberships
    FOR EACH ROW
    WHEN (OLD.role = 'corporativo' AND OLD.removed_at IS NULL)
    EXECUTE FUNCTION app.keep_a_corporativo();

-- begin_request computes "today" with AT TIME ZONE organizations.timezone:
-- an unknown zone stored there would make every request of the
-- organisation fail. The handlers check names against Go's and PostgreSQL's
-- zone databases; this refuses (22023) whatever the server itself cannot
-- use, from any path. AT TIME ZONE is cheap (zones are cached), unlike
-- scanning pg_timezone_names, so bulk loads stay fast.
-- +goose StatementBegin
CREATE FUNCTION app.check_organization_timezone() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    PERFORM now() AT TIME ZONE NEW.timezone;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER organizations_timezone_check BEFORE INSERT OR UPDATE OF timezone ON rumbo.organizations
    FOR EACH ROW EXECUTE FUNCTION app.check_organization_timezone();

-- Look versions come from one sequence, so the same ?v= never names two
-- organisations' looks: a browser caches /org/theme.css?v=N and
-- /org/logo?v=N as immutable, and a person who switches organisation (or
-- another person on the same browser) must not be served the other
-- organisation's cached colours or logo. Version 1, the default, means "never
-- customised" (no colours, no logo) everywhere, so sharing it is harmless.
-- A trigger takes the next number whenever the logo or a colour changes, on
-- any path; it is SECURITY DEFINER so rumbo_app needs no privilege on the
-- sequence (RLS does not guard sequences) and cannot pick a number itself.
CREATE SEQUENCE rumbo.look_versions AS integer START WITH 2;
SELECT setval('rumbo.look_versions', greatest(2, (SELECT max(look_version) + 1 FROM rumbo.organizations)), false);

-- +goose StatementBegin
CREATE FUNCTION app.next_look_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    NEW.look_version := nextval('rumbo.look_versions');
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER organizations_look_version
    BEFORE UPDATE OF logo, logo_type, color_primary, color_secondary, color_accent ON rumbo.organizations
    FOR EACH ROW
    WHEN (OLD.logo IS DISTINCT FROM NEW.logo OR OLD.logo_type IS DISTINCT FROM NEW.logo_type
          OR OLD.color_primary IS DISTINCT FROM NEW.color_primary
          OR OLD.color_secondary IS DISTINCT FROM NEW.color_secondary
          OR OLD.color_accent IS DISTINCT FROM NEW.color_accent)
    EXECUTE FUNCTION app.next_look_version();

-- Column-level: a corporativo edits the settings and the look; the id,
-- slug, created_at and look_version (the trigger above keeps it) stay out
-- of reach. The tenant policy on organizations (id = app.org_id()) limits
-- every UPDATE to the request's own organisation; which role may do it is
-- the handlers' permission matrix. It is also what lets
-- app.keep_a_corporativo lock the row when it runs as rumbo_app.
GRANT UPDATE (name, timezone, currency, locale, fiscal_year_start, logo, logo_type, color_primary,
              color_secondary, color_accent, version, updated_at)
    ON rumbo.organizations TO rumbo_app;

-- +goose Down
REVOKE UPDATE (name, timezone, currency, locale, fiscal_year_start, logo, logo_type, color_primary,
               color_secondary, color_accent, version, updated_at)
    ON rumbo.organizations FROM rumbo_app;
DROP TRIGGER organizations_look_version ON rumbo.organizations;
DROP FUNCTION app.next_look_version();
DROP SEQUENCE rumbo.look_versions;
DROP TRIGGER organizations_timezone_check ON rumbo.organizations;
DROP FUNCTION app.check_organization_timezone();
DROP TRIGGER memberships_keep_corporativo_del ON rumbo.memberships;
DROP TRIGGER memberships_keep_corporativo_upd ON rumbo.memberships;
DROP FUNCTION app.keep_a_corporativo();
ALTER TABLE rumbo.organizations DROP COLUMN version;
ALTER TABLE rumbo.memberships DROP COLUMN version;
