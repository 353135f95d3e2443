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
