-- Choices for filter and form pickers, limited to the organisation.

-- name: areas-options
-- Live areas by name.
SELECT id, name FROM areas
WHERE org_id = $1 AND archived_at IS NULL
ORDER BY lower(name), id;

-- name: members-options
-- Current members by name.
SELECT user_id AS id, name FROM memberships
WHERE org_id = $1 AND removed_at IS NULL
ORDER BY lower(name), user_id;

-- name: periods-options
-- Live periods, newest first, for the period selector.
SELECT id, name FROM periods
WHERE org_id = $1 AND archived_at IS NULL
ORDER BY start_date DESC, id;

-- name: period-preference-save
-- Remembers a member's period choice ($3 mode, $4 period or NULL).
UPDATE memberships SET period_mode = $3, period_id = $4
WHERE org_id = $1 AND user_id = $2 AND removed_at IS NULL;
