-- The audited SECURITY DEFINER functions of the login path (DESIGN.md rules 5
-- and 10). They run as rumbo_owner with an empty search_path, take only bound
-- parameters, and each does one narrow thing.

-- +goose Up

-- begin_request is the ONLY place the request context (app.user_id,
-- app.org_id, app.role) is set. It is the first statement of every request
-- transaction, in the same statement as the switch to rumbo_app. It reads
-- only, so it works in READ ONLY transactions.
-- SQLSTATE RB401: no such session, or it expired (idle or absolute).
-- SQLSTATE RB403: the session's user is not (or no longer) a member of the
-- session's current organisation.
-- +goose StatementBegin
CREATE FUNCTION app.begin_request(p_token_hash bytea)
RETURNS TABLE (
    user_id      uuid,
    org_id       uuid,
    role         text,
    area_id      uuid,
    user_name    text,
    user_email   text,
    org_name     text,
    org_timezone text,
    today        date,
    needs_touch  boolean
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
           s.last_seen_at < now() - interval '5 minutes'
    INTO user_id, org_id, role, area_id, user_name, user_email, org_name, org_timezone, today, needs_touch
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

-- Refreshes the idle clock of the calling session (and the member's last
-- activity). The wrapper calls it in its own short write transaction, at
-- most every five minutes, so GET transactions stay READ ONLY.
-- +goose StatementBegin
CREATE FUNCTION app.touch_session(p_token_hash bytea) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    UPDATE rumbo.sessions SET last_seen_at = now()
    WHERE token_hash = p_token_hash AND user_id = app.user_id();
    UPDATE rumbo.memberships SET last_active_at = now()
    WHERE org_id = app.org_id() AND user_id = app.user_id();
$$;
-- +goose StatementEnd

-- The stored credentials for an e-mail, for the password check in Go.
-- +goose StatementBegin
CREATE FUNCTION app.login_lookup(p_email text)
RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT u.id, u.password_hash FROM rumbo.users AS u WHERE u.email = lower(btrim(p_email));
$$;
-- +goose StatementEnd

-- Creates the session after a successful password check and returns the
-- organisation it starts in: the one the user last worked in, else their
-- oldest membership; NULL when they belong to none yet.
-- +goose StatementBegin
CREATE FUNCTION app.start_session(p_token_hash bytea, p_user_id uuid, p_idle interval,
                                  p_max interval, p_user_agent text, p_client_ip text)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_org uuid;
BEGIN
    SELECT m.org_id INTO v_org
    FROM rumbo.memberships AS m
    JOIN rumbo.users AS u ON u.id = m.user_id
    WHERE m.user_id = p_user_id AND m.removed_at IS NULL
    ORDER BY (m.org_id = u.last_org_id) DESC, m.created_at, m.org_id
    LIMIT 1;

    DELETE FROM rumbo.sessions
    WHERE user_id = p_user_id AND (expires_at <= now() OR last_seen_at + idle_timeout <= now());

    INSERT INTO rumbo.sessions (token_hash, user_id, current_org_id, expires_at, idle_timeout, user_agent, client_ip)
    VALUES (p_token_hash, p_user_id, v_org, now() + p_max, p_idle, left(p_user_agent, 300), left(p_client_ip, 64));
    RETURN v_org;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION app.end_session(p_token_hash bytea) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
    DELETE FROM rumbo.sessions WHERE token_hash = p_token_hash;
$$;
-- +goose StatementEnd

-- The newest applied migration, for /readyz (the app role cannot read goose's table).
-- +goose StatementBegin
CREATE FUNCTION app.schema_version() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT max(version_id) FROM rumbo.goose_db_version WHERE is_applied;
$$;
-- +goose StatementEnd

GRANT EXECUTE ON FUNCTION app.begin_request(bytea) TO rumbo_login, rumbo_app;
GRANT EXECUTE ON FUNCTION
    app.touch_session(bytea), app.login_lookup(text),
    app.start_session(bytea, uuid, interval, interval, text, text),
    app.end_session(bytea), app.schema_version()
    TO rumbo_app;
