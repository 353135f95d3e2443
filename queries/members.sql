-- Members (settings/members) and organisation settings
-- (settings/organization, /org/theme.css, /org/logo). Rules that must hold
-- whatever the handler does live in migrations/00008_members.sql: the last
-- active corporativo, time zones, unique look versions.

-- name: members-stats
-- The member cards: $1 org. Current members by role, without area, never signed in; and former members.
SELECT count(*) FILTER (WHERE removed_at IS NULL) AS total,
       count(*) FILTER (WHERE removed_at IS NULL AND role = 'corporativo') AS corporativo,
       count(*) FILTER (WHERE removed_at IS NULL AND role = 'gerente') AS gerente,
       count(*) FILTER (WHERE removed_at IS NULL AND role = 'empleado') AS empleado,
       count(*) FILTER (WHERE removed_at IS NULL AND area_id IS NULL) AS without_area,
       count(*) FILTER (WHERE removed_at IS NULL AND last_active_at IS NULL) AS never_active,
       count(*) FILTER (WHERE removed_at IS NOT NULL) AS removed
FROM memberships
WHERE org_id = $1;

-- name: members-list
-- One page of members by name, keyset-paginated after member $7, with how many match counted up to $9. $2 true = former members, $3 role ('' any), $4 area (NULL any), $5 only without area, $6 LIKE pattern on name or e-mail (escaped), $8 limit, $10 the organisation's time zone (for the day of last activity).
SELECT m.user_id AS id, m.name, m.email, m.role,
       coalesce(a.name, '') AS area_name,
       coalesce(a.color, '') AS area_color,
       coalesce(mg.name, '') AS manager_name,
       (m.last_active_at AT TIME ZONE $10)::date AS last_active_day,
       (m.removed_at AT TIME ZONE $10)::date AS removed_day,
       (SELECT count(*) FROM (
            SELECT 1 FROM memberships AS x
            WHERE x.org_id = $1 AND (x.removed_at IS NOT NULL) = $2
              AND ($3 = '' OR x.role = $3)
              AND ($4::uuid IS NULL OR x.area_id = $4::uuid)
              AND (NOT $5 OR x.area_id IS NULL)
              AND ($6 = '' OR x.name ILIKE $6 OR x.email ILIKE $6)
            LIMIT $9) AS capped) AS matches
FROM memberships AS m
LEFT JOIN areas AS a ON a.org_id = m.org_id AND a.id = m.area_id
LEFT JOIN memberships AS mg ON mg.org_id = m.org_id AND mg.user_id = m.manager_id
WHERE m.org_id = $1 AND (m.removed_at IS NOT NULL) = $2
  AND ($3 = '' OR m.role = $3)
  AND ($4::uuid IS NULL OR m.area_id = $4::uuid)
  AND (NOT $5 OR m.area_id IS NULL)
  AND ($6 = '' OR m.name ILIKE $6 OR m.email ILIKE $6)
  AND ($7::uuid IS NULL OR (lower(m.name), m.user_id) >
       (SELECT lower(c.name), c.user_id FROM memberships AS c WHERE c.org_id = $1 AND c.user_id = $7::uuid))
ORDER BY lower(m.name), m.user_id
LIMIT $8;

-- name: member-by-id
-- One current member ($2) with the names the edit page shows; no row for a former member, an unknown id or another organisation's.
SELECT m.user_id AS id, m.name, m.email, m.role, m.area_id, m.manager_id, m.version,
       m.created_at, m.last_active_at,
       coalesce(a.name, '') AS area_name,
       coalesce(mg.name, '') AS manager_name
FROM memberships AS m
LEFT JOIN areas AS a ON a.org_id = m.org_id AND a.id = m.area_id
LEFT JOIN memberships AS mg ON mg.org_id = m.org_id AND mg.user_id = m.manager_id
WHERE m.org_id = $1 AND m.user_id = $2 AND m.removed_at IS NULL;

-- name: member-choices-check
-- Whether area $2 is a live area and manager $3 a current member of organisation $1 (NULL: none chosen, fine).
SELECT ($2::uuid IS NULL OR EXISTS (
            SELECT 1 FROM areas WHERE org_id = $1 AND id = $2::uuid AND archived_at IS NULL)) AS area_ok,
       ($3::uuid IS NULL OR EXISTS (
            SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $3::uuid AND removed_at IS NULL)) AS manager_ok;

-- name: member-update
-- Sets member $2's role ($3), area ($4) and manager ($5) if still at version $6; a new role stamps role_changed_at, which rotates the member's session on their next request. No row: stale version or not a current member. 23R09 from the trigger when it would demote the last corporativo.
UPDATE memberships
SET role = $3, area_id = $4, manager_id = $5,
    role_changed_at = CASE WHEN role = $3 THEN role_changed_at ELSE now() END,
    version = version + 1
WHERE org_id = $1 AND user_id = $2 AND removed_at IS NULL AND version = $6
RETURNING version;

-- name: member-remove
-- Removes member $2 (they lose access on their next request; their items keep their name) and leaves the people they managed without a manager. Returns the removed member's name; no row when not a current member. 23R09 when they are the last corporativo.
WITH removed AS (
    UPDATE memberships SET removed_at = now(), version = version + 1
    WHERE org_id = $1 AND user_id = $2 AND removed_at IS NULL
    RETURNING user_id, name
), reports AS (
    UPDATE memberships SET manager_id = NULL, version = version + 1
    WHERE org_id = $1 AND manager_id IN (SELECT user_id FROM removed)
)
SELECT name FROM removed;

-- name: organization-settings
-- The request's organisation ($1) as the settings page shows it (the logo's bytes stay in the table).
SELECT id, name, slug, timezone, currency, locale, fiscal_year_start, version,
       coalesce(octet_length(logo), 0) AS logo_size,
       coalesce(logo_type, '') AS logo_type,
       coalesce(color_primary, '') AS color_primary,
       coalesce(color_secondary, '') AS color_secondary,
       coalesce(color_accent, '') AS color_accent,
       look_version
FROM organizations
WHERE id = $1;

-- name: timezone-known
-- Whether $1 is a time zone name in PostgreSQL's database (the same list onboarding checks).
SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1);

-- name: organization-update
-- Saves the general settings of organisation $1 if still at version $7: name, time zone, currency, language, fiscal year start. No row: stale version.
UPDATE organizations
SET name = $2, timezone = $3, currency = $4, locale = $5, fiscal_year_start = $6,
    version = version + 1, updated_at = now()
WHERE id = $1 AND version = $7
RETURNING version;

-- name: organization-logo-save
-- Stores logo $2 of content type $3 (checked by content in Go); the look_version trigger (00008) moves the look to a new version.
UPDATE organizations
SET logo = $2, logo_type = $3, updated_at = now()
WHERE id = $1;

-- name: organization-logo-remove
-- Removes the logo (a new look version, by trigger).
UPDATE organizations
SET logo = NULL, logo_type = NULL, updated_at = now()
WHERE id = $1;

-- name: organization-colors-save
-- Sets the theme colours ($2 primary, $3 secondary, $4 accent; NULL = default) if the look is still at version $5 (a change takes a new look version, by trigger). No row: stale version.
UPDATE organizations
SET color_primary = $2, color_secondary = $3, color_accent = $4, updated_at = now()
WHERE id = $1 AND look_version = $5
RETURNING look_version;

-- name: organization-logo
-- The logo of organisation $1 for /org/logo; no row when it has none.
SELECT logo, logo_type, look_version FROM organizations WHERE id = $1 AND logo IS NOT NULL;

-- name: organization-theme
-- The theme colours of organisation $1 for /org/theme.css ('' = default).
SELECT coalesce(color_primary, '') AS color_primary,
       coalesce(color_secondary, '') AS color_secondary,
       coalesce(color_accent, '') AS color_accent,
       look_version
FROM organizations
WHERE id = $1;
