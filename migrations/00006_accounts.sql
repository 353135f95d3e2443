-- Accounts: sign-up and onboarding, login throttling and locking, session
-- rotation and switching organisations, password resets, and the
-- organisation's look (logo, colours). Everything that happens before a
-- membership exists goes through these narrow SECURITY DEFINER functions
-- (DESIGN.md rule 10); each takes the caller's session token hash when it
-- acts for a signed-in user, and checks it itself.

-- +goose Up
ALTER TABLE rumbo.users
    ADD COLUMN failed_logins integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_at timestamptz,
    ADD COLUMN onboarding_draft jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(onboarding_draft) = 'object' AND pg_column_size(onboarding_draft) <= 4096);

-- A role change rotates the member's session tokens (begin_request tells
-- the wrapper, which swaps the token in its own write transaction).
ALTER TABLE rumbo.memberships ADD COLUMN role_changed_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE rumbo.organizations
    ADD COLUMN logo bytea CHECK (octet_length(logo) <= 1048576),
    ADD COLUMN logo_type text CHECK (logo_type IN ('image/png', 'image/jpeg')),
    ADD COLUMN color_primary text CHECK (color_primary ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN color_secondary text CHECK (color_secondary ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN color_accent text CHECK (color_accent ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN look_version integer NOT NULL DEFAULT 1,
    ADD CHECK ((logo IS NULL) = (logo_type IS NULL));

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
    needs_rotation boolean
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
           s.created_at < m.role_changed_at
    INTO user_id, org_id, role, area_id, user_name, user_email, org_name, org_timezone, today,
         needs_touch, needs_rotation
    FROM rumbo.memberships AS m
    JOIN rumbo.organizations AS o ON o.id = m.org_id
    WHERE m.org_id = s.current_org_id AND m.user_id = s.user_id AND m.removed_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no membership in the current organisation' USING ERRCODE = 'RB403';
    END IF;

    PERFORM set_config('app.user_id', user_id::text, true),
            set_config('app.org_id', org_id::text, true),
            set_config('app.role', role, true);
    RETURN NEXT;
END $$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION app.begin_request(bytea) TO rumbo_login, rumbo_app;

-- The signed-in account behind a session, whether or not it belongs to an
-- organisation yet (sign-up and onboarding). RB401 when the session is gone.
-- +goose StatementBegin
CREATE FUNCTION app.session_account(p_token_hash bytea)
RETURNS TABLE (user_id uuid, name text, email text, onboarding_draft jsonb, organizations integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.name, u.email, u.onboarding_draft,
           (SELECT count(*)::integer FROM rumbo.memberships AS m WHERE m.user_id = u.id AND m.removed_at IS NULL)
    FROM rumbo.sessions AS s JOIN rumbo.users AS u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.expires_at > now() AND s.last_seen_at + s.idle_timeout > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session not found or expired' USING ERRCODE = 'RB401';
    END IF;
END $$;
-- +goose StatementEnd

-- A new account. A duplicate e-mail raises 23505 (the handler says so in
-- Spanish with 409).
-- +goose StatementBegin
CREATE FUNCTION app.sign_up(p_email text, p_name text, p_password_hash text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO rumbo.users (email, name, password_hash)
    VALUES (lower(btrim(p_email)), btrim(p_name), p_password_hash)
    RETURNING id;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.save_onboarding_draft(p_token_hash bytea, p_draft jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    UPDATE rumbo.users AS u SET onboarding_draft = p_draft
    FROM rumbo.sessions AS s
    WHERE s.token_hash = p_token_hash AND s.user_id = u.id AND s.expires_at > now();
$$;
-- +goose StatementEnd

-- Creates an organisation with the caller as its first corporativo, all in
-- one transaction, and makes it the session's current one. A taken slug
-- raises 23505; an unknown time zone 22023.
-- +goose StatementBegin
CREATE FUNCTION app.create_organization(p_token_hash bytea, p_name text, p_slug text, p_timezone text,
                                        p_currency text, p_locale text, p_fiscal_year_start smallint)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_user rumbo.users%ROWTYPE;
    v_org uuid;
BEGIN
    SELECT u.* INTO v_user FROM rumbo.sessions AS s JOIN rumbo.users AS u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.expires_at > now() AND s.last_seen_at + s.idle_timeout > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session not found or expired' USING ERRCODE = 'RB401';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = p_timezone) THEN
        RAISE EXCEPTION 'unknown time zone %', p_timezone USING ERRCODE = '22023';
    END IF;
    INSERT INTO rumbo.organizations (name, slug, timezone, currency, locale, fiscal_year_start)
    VALUES (btrim(p_name), p_slug, p_timezone, p_currency, p_locale, p_fiscal_year_start)
    RETURNING id INTO v_org;
    INSERT INTO rumbo.memberships (org_id, user_id, role, name, email)
    VALUES (v_org, v_user.id, 'corporativo', v_user.name, v_user.email);
    UPDATE rumbo.sessions SET current_org_id = v_org WHERE token_hash = p_token_hash;
    UPDATE rumbo.users SET last_org_id = v_org, onboarding_draft = '{}'::jsonb WHERE id = v_user.id;
    RETURN v_org;
END $$;
-- +goose StatementEnd

-- The organisations the session's user belongs to, for the switcher (and
-- for the page shown when the session's current one is no longer theirs).
-- +goose StatementBegin
CREATE FUNCTION app.session_organizations(p_token_hash bytea)
RETURNS TABLE (id uuid, name text, role text, has_logo boolean, look_version integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT o.id, o.name, m.role, o.logo IS NOT NULL, o.look_version
    FROM rumbo.sessions AS s
    JOIN rumbo.memberships AS m ON m.user_id = s.user_id AND m.removed_at IS NULL
    JOIN rumbo.organizations AS o ON o.id = m.org_id
    WHERE s.token_hash = p_token_hash AND s.expires_at > now()
    ORDER BY lower(o.name), o.id;
$$;
-- +goose StatementEnd

-- The e-mail and organisation of a pending, unexpired invitation, so
-- sign-up can pre-fill (and fix) the invited address.
-- +goose StatementBegin
CREATE FUNCTION app.invitation_for_signup(p_token_hash bytea)
RETURNS TABLE (email text, org_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT i.email, o.name
    FROM rumbo.invitations AS i JOIN rumbo.organizations AS o ON o.id = i.org_id
    WHERE i.token_hash = p_token_hash AND i.status = 'pending' AND i.expires_at > now();
$$;
-- +goose StatementEnd

-- Switches the session to another organisation the user belongs to;
-- false when they do not (nothing changes).
-- +goose StatementBegin
CREATE FUNCTION app.switch_organization(p_token_hash bytea, p_org uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_user uuid;
BEGIN
    SELECT s.user_id INTO v_user FROM rumbo.sessions AS s
    JOIN rumbo.memberships AS m ON m.user_id = s.user_id AND m.org_id = p_org AND m.removed_at IS NULL
    WHERE s.token_hash = p_token_hash AND s.expires_at > now();
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE rumbo.sessions SET current_org_id = p_org WHERE token_hash = p_token_hash;
    UPDATE rumbo.users SET last_org_id = p_org WHERE id = v_user;
    RETURN true;
END $$;
-- +goose StatementEnd

-- Replaces a session's token, keeping everything else (its absolute
-- expiry included).
-- +goose StatementBegin
CREATE FUNCTION app.rotate_session(p_old bytea, p_new bytea) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    WITH old AS (DELETE FROM rumbo.sessions WHERE token_hash = p_old RETURNING *)
    INSERT INTO rumbo.sessions (token_hash, user_id, current_org_id, last_seen_at, expires_at, idle_timeout,
                                user_agent, client_ip)
    SELECT p_new, user_id, current_org_id, now(), expires_at, idle_timeout, user_agent, client_ip FROM old;
$$;
-- +goose StatementEnd

-- "Cerrar sesión en todos los dispositivos".
-- +goose StatementBegin
CREATE FUNCTION app.end_all_sessions(p_token_hash bytea) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    DELETE FROM rumbo.sessions
    WHERE user_id = (SELECT user_id FROM rumbo.sessions WHERE token_hash = p_token_hash);
$$;
-- +goose StatementEnd

-- Login throttling. Keys are 'email:<address>' and 'ip:<address>'; after
-- five failures within an hour each further attempt waits 2^(n-5) seconds
-- (at most 15 minutes) from the last failure. A hundred consecutive
-- failures lock the account until a password reset.
DROP FUNCTION app.login_lookup(text);
-- +goose StatementBegin
CREATE FUNCTION app.login_lookup(p_email text)
RETURNS TABLE (user_id uuid, password_hash text, locked boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT u.id, u.password_hash, u.locked_at IS NOT NULL FROM rumbo.users AS u WHERE u.email = lower(btrim(p_email));
$$;
-- +goose StatementEnd

-- Seconds the caller must still wait before trying again (0: go ahead).
-- +goose StatementBegin
CREATE FUNCTION app.login_wait(p_email text, p_ip text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT coalesce(max(ceil(extract(epoch FROM
               a.last_failure_at + least(power(2, a.failures - 5), 900) * interval '1 second' - now())))::integer, 0)
    FROM rumbo.login_attempts AS a
    WHERE a.key IN ('email:' || lower(btrim(p_email)), 'ip:' || p_ip)
      AND a.failures >= 5
      AND a.last_failure_at + least(power(2, a.failures - 5), 900) * interval '1 second' > now();
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.login_failed(p_email text, p_ip text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    INSERT INTO rumbo.login_attempts AS a (key, failures, last_failure_at)
    SELECT k, 1, now() FROM unnest(ARRAY['email:' || lower(btrim(p_email)), 'ip:' || p_ip]) AS k
    ON CONFLICT (key) DO UPDATE
    SET failures = CASE WHEN a.last_failure_at < now() - interval '1 hour' THEN 1 ELSE a.failures + 1 END,
        last_failure_at = now();
    UPDATE rumbo.users
    SET failed_logins = failed_logins + 1,
        locked_at = CASE WHEN failed_logins + 1 >= 100 THEN coalesce(locked_at, now()) ELSE locked_at END
    WHERE email = lower(btrim(p_email));
$$;
-- +goose StatementEnd

-- A successful login clears the counters and, when the stored hash was
-- made with weaker parameters, stores the fresh one.
-- +goose StatementBegin
CREATE FUNCTION app.login_succeeded(p_user uuid, p_email text, p_ip text, p_new_hash text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    DELETE FROM rumbo.login_attempts WHERE key IN ('email:' || lower(btrim(p_email)), 'ip:' || p_ip);
    UPDATE rumbo.users SET failed_logins = 0, password_hash = coalesce(p_new_hash, password_hash)
    WHERE id = p_user;
$$;
-- +goose StatementEnd

-- Password resets: single use, expiring, stored hashed. By e-mail (when
-- SMTP is configured) for anyone who knows the address; or created by a
-- corporativo for a member of their organisation.
-- +goose StatementBegin
CREATE FUNCTION app.create_password_reset(p_email text, p_token_hash bytea, p_ttl interval)
RETURNS TABLE (name text, email text)
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    WITH u AS (SELECT id, name, email FROM rumbo.users WHERE email = lower(btrim(p_email))),
    ins AS (INSERT INTO rumbo.password_resets (token_hash, user_id, expires_at)
            SELECT p_token_hash, u.id, now() + p_ttl FROM u)
    SELECT u.name, u.email FROM u;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.create_member_password_reset(p_user uuid, p_token_hash bytea, p_ttl interval) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF app.role() IS DISTINCT FROM 'corporativo' OR NOT EXISTS (
        SELECT 1 FROM rumbo.memberships AS m
        WHERE m.org_id = app.org_id() AND m.user_id = p_user AND m.removed_at IS NULL) THEN
        RAISE EXCEPTION 'only a corporativo may create a reset link for a member of their organisation'
            USING ERRCODE = '42501';
    END IF;
    INSERT INTO rumbo.password_resets (token_hash, user_id, expires_at) VALUES (p_token_hash, p_user, now() + p_ttl);
END $$;
-- +goose StatementEnd

-- What a reset link is: 'valid', 'used' or 'expired' (no row: unknown).
-- +goose StatementBegin
CREATE FUNCTION app.password_reset_info(p_token_hash bytea)
RETURNS TABLE (state text, email text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT CASE WHEN r.used_at IS NOT NULL THEN 'used' WHEN r.expires_at <= now() THEN 'expired' ELSE 'valid' END,
           u.email, u.name
    FROM rumbo.password_resets AS r JOIN rumbo.users AS u ON u.id = r.user_id
    WHERE r.token_hash = p_token_hash;
$$;
-- +goose StatementEnd

-- Uses a reset link: new password, the account unlocked, every session
-- ended, every other open link of the user spent. Returns the link's state
-- before ('valid' means it worked).
-- +goose StatementBegin
CREATE FUNCTION app.reset_password(p_token_hash bytea, p_new_hash text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    r rumbo.password_resets%ROWTYPE;
BEGIN
    SELECT * INTO r FROM rumbo.password_resets WHERE token_hash = p_token_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'unknown';
    ELSIF r.used_at IS NOT NULL THEN
        RETURN 'used';
    ELSIF r.expires_at <= now() THEN
        RETURN 'expired';
    END IF;
    UPDATE rumbo.users SET password_hash = p_new_hash, locked_at = NULL, failed_logins = 0, updated_at = now()
    WHERE id = r.user_id;
    UPDATE rumbo.password_resets SET used_at = now() WHERE user_id = r.user_id AND used_at IS NULL;
    DELETE FROM rumbo.sessions WHERE user_id = r.user_id;
    RETURN 'valid';
END $$;
-- +goose StatementEnd

GRANT EXECUTE ON FUNCTION
    app.session_account(bytea), app.sign_up(text, text, text), app.save_onboarding_draft(bytea, jsonb),
    app.create_organization(bytea, text, text, text, text, text, smallint), app.session_organizations(bytea),
    app.invitation_for_signup(bytea),
    app.switch_organization(bytea, uuid), app.rotate_session(bytea, bytea), app.end_all_sessions(bytea),
    app.login_lookup(text), app.login_wait(text, text), app.login_failed(text, text),
    app.login_succeeded(uuid, text, text, text), app.create_password_reset(text, bytea, interval),
    app.create_member_password_reset(uuid, bytea, interval), app.password_reset_info(bytea),
    app.reset_password(bytea, text)
    TO rumbo_app;
