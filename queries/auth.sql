-- Login and logout. Credentials and sessions are reachable only through the
-- SECURITY DEFINER functions of migrations/00003_sessions.sql.

-- name: login-lookup
-- The user id, password hash and lock for an e-mail (no row when unknown).
SELECT user_id, password_hash, locked FROM app.login_lookup($1);

-- name: session-start
-- Stores a new session ($1 token hash) for user $2 and returns the organisation it starts in (NULL when none).
SELECT app.start_session($1, $2, $3::interval, $4::interval, $5, $6);

-- name: session-end
-- Deletes a session (logout).
SELECT app.end_session($1);
