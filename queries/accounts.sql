-- Accounts: sign-up, onboarding, throttling, sessions, switching
-- organisations and password resets. All through the SECURITY DEFINER
-- functions of migrations/00006_accounts.sql.

-- name: session-organizations
-- The organisations of the session's user ($1 token hash), for the switcher, with each one's look.
SELECT id, name, role, has_logo, look_version FROM app.session_organizations($1);

-- name: invitation-for-signup
-- The e-mail and organisation of a pending invitation, by its token hash.
SELECT email, org_name FROM app.invitation_for_signup($1);

-- name: account-by-session
-- The account behind a session token hash, member of an organisation or not yet.
SELECT user_id, name, email, onboarding_draft, organizations FROM app.session_account($1);

-- name: sign-up
-- A new account ($1 e-mail, $2 name, $3 argon2id hash); 23505 when the e-mail is taken.
SELECT app.sign_up($1, $2, $3);

-- name: onboarding-draft-save
-- Keeps a half-filled onboarding form for the session's user.
SELECT app.save_onboarding_draft($1, $2::jsonb);

-- name: organization-create
-- A new organisation with the caller as corporativo, made the session's current one.
SELECT app.create_organization($1, $2, $3, $4, $5, $6, $7::smallint);

-- name: organization-switch
-- Moves the session to another of the user's organisations (false: not a member).
SELECT app.switch_organization($1, $2);

-- name: session-rotate
-- Replaces the session's token ($1 old hash, $2 new hash).
SELECT app.rotate_session($1, $2);

-- name: sessions-end-all
-- Ends every session of the session's user.
SELECT app.end_all_sessions($1);

-- name: login-wait
-- Seconds a login attempt for ($1 e-mail, $2 client address) must still wait.
SELECT app.login_wait($1, $2);

-- name: login-failed
-- Counts a failed login for the e-mail and the client address.
SELECT app.login_failed($1, $2);

-- name: login-succeeded
-- Clears the counters; $4, when not NULL, is a fresh hash to store.
SELECT app.login_succeeded($1, $2, $3, $4);

-- name: password-reset-create
-- A reset link ($2 token hash, $3 lifetime) for the account with e-mail $1, if any: its name and e-mail.
SELECT name, email FROM app.create_password_reset($1, $2, $3::interval);

-- name: member-reset-create
-- A reset link for member $1 of the request's organisation (corporativo only).
SELECT app.create_member_password_reset($1, $2, $3::interval);

-- name: password-reset-info
-- The state of a reset link: valid, used or expired (no row: unknown).
SELECT state, email, name FROM app.password_reset_info($1);

-- name: password-reset-use
-- Sets the new password ($2) through the link; returns the link's state before.
SELECT app.reset_password($1, $2);
