-- The first statement of every request transaction, and the two helpers that
-- run around it. Nothing else sets the request context (DESIGN.md rule 5).

-- name: request-begin
-- Checks the session ($1, the token's SHA-256) and membership, sets the context, then switches to rumbo_app with a statement timeout ($2, ms) and the organisation's time zone (timestamps come back in it): one round trip. begin_request runs first (FROM before the select list), as rumbo_login.
SELECT r.user_id, r.org_id, r.role, r.area_id, r.user_name, r.user_email, r.org_name,
       r.org_timezone, r.today, r.needs_touch, r.needs_rotation, r.period_mode, r.period_id, r.data_version,
       set_config('role', 'rumbo_app', true) AS role_set,
       set_config('statement_timeout', $2, true) AS timeout_set,
       set_config('search_path', 'rumbo', true) AS path_set,
       set_config('timezone', r.org_timezone, true) AS tz_set
FROM app.begin_request($1) AS r;

-- name: request-begin-anonymous
-- Starts a transaction with no context (login, logout, health): rumbo_app sees no org rows and can only call the SECURITY DEFINER functions.
SELECT set_config('role', 'rumbo_app', true) AS role_set,
       set_config('statement_timeout', $1, true) AS timeout_set,
       set_config('search_path', 'rumbo', true) AS path_set;

-- name: session-touch
-- Refreshes the session's idle clock and the member's last activity.
SELECT app.touch_session($1);

-- name: schema-version
-- The newest applied migration, for /readyz.
SELECT coalesce(app.schema_version(), 0);
