-- Areas (the department tree) and periods (the settings page).

-- name: areas-stats
-- The stats cards: live areas by status, and the current members whose area is live (the sum of the tree's counts).
SELECT count(*) AS total,
       count(*) FILTER (WHERE a.status = 'active') AS active,
       count(*) FILTER (WHERE a.status = 'inactive') AS inactive,
       count(*) FILTER (WHERE a.status = 'planning') AS planning,
       (SELECT count(*) FROM memberships AS m
         JOIN areas AS x ON x.org_id = m.org_id AND x.id = m.area_id
         WHERE m.org_id = $1 AND m.removed_at IS NULL AND x.archived_at IS NULL) AS members
FROM areas AS a
WHERE a.org_id = $1 AND a.archived_at IS NULL;

-- name: areas-tree
-- Every live area with its manager (a current member) and how many current members it has; the handler nests them.
SELECT a.id, a.name, coalesce(a.code, '') AS code, a.description, a.status, a.color,
       coalesce(a.parent_id::text, '') AS parent_id,
       coalesce(m.name, '') AS manager_name,
       coalesce(c.n, 0) AS members
FROM areas AS a
LEFT JOIN memberships AS m ON m.org_id = a.org_id AND m.user_id = a.manager_id AND m.removed_at IS NULL
LEFT JOIN (SELECT area_id, count(*) AS n FROM memberships
           WHERE org_id = $1 AND removed_at IS NULL AND area_id IS NOT NULL
           GROUP BY area_id) AS c ON c.area_id = a.id
WHERE a.org_id = $1 AND a.archived_at IS NULL
ORDER BY lower(a.name), a.id;

-- name: areas-archived
-- Archived areas, most recent first, with the parent they would return under and whether that parent is archived too.
SELECT a.id, a.name, coalesce(a.code, '') AS code, a.color, a.archived_at,
       coalesce(p.name, '') AS parent_name,
       coalesce(p.archived_at IS NOT NULL, false) AS parent_archived
FROM areas AS a
LEFT JOIN areas AS p ON p.org_id = a.org_id AND p.id = a.parent_id
WHERE a.org_id = $1 AND a.archived_at IS NOT NULL
ORDER BY a.archived_at DESC, lower(a.name), a.id;

-- name: area-by-id
-- One area (archived ones too) as the edit form starts from, with its parent and how many live sub-areas an archive would take along.
SELECT a.id, a.name, coalesce(a.code, '') AS code, a.description,
       coalesce(a.parent_id::text, '') AS parent_id, coalesce(a.manager_id::text, '') AS manager_id,
       a.status, a.color, a.version, a.archived_at,
       coalesce(p.name, '') AS parent_name,
       coalesce(p.archived_at IS NOT NULL, false) AS parent_archived,
       (WITH RECURSIVE sub AS (
            SELECT x.id FROM areas AS x WHERE x.org_id = $1 AND x.parent_id = a.id AND x.archived_at IS NULL
            UNION
            SELECT x.id FROM areas AS x JOIN sub ON x.org_id = $1 AND x.parent_id = sub.id
            WHERE x.archived_at IS NULL)
        SELECT count(*) FROM sub) AS live_descendants
FROM areas AS a
LEFT JOIN areas AS p ON p.org_id = a.org_id AND p.id = a.parent_id
WHERE a.org_id = $1 AND a.id = $2;

-- name: area-exists
-- Whether area $2 exists in the organisation (tells a stale edit from a missing area).
SELECT EXISTS (SELECT 1 FROM areas WHERE org_id = $1 AND id = $2);

-- name: area-refs
-- What the form's parent ($2) and manager ($3) are: the parent's state (live, archived or missing) and whether the manager is a current member.
SELECT CASE WHEN $2::uuid IS NULL THEN 'none'
            ELSE coalesce((SELECT CASE WHEN p.archived_at IS NULL THEN 'live' ELSE 'archived' END
                           FROM areas AS p WHERE p.org_id = $1 AND p.id = $2::uuid), 'missing') END AS parent_state,
       ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM memberships AS m
                                    WHERE m.org_id = $1 AND m.user_id = $3::uuid AND m.removed_at IS NULL)) AS manager_ok;

-- name: area-parent-options
-- Live areas an area may hang from: all but area $2 itself and its sub-areas ($2 NULL for a new area).
WITH RECURSIVE sub AS (
    SELECT x.id FROM areas AS x WHERE x.org_id = $1 AND x.id = $2::uuid
    UNION
    SELECT x.id FROM areas AS x JOIN sub ON x.org_id = $1 AND x.parent_id = sub.id
)
SELECT a.id, a.name FROM areas AS a
WHERE a.org_id = $1 AND a.archived_at IS NULL AND a.id NOT IN (SELECT id FROM sub)
ORDER BY lower(a.name), a.id;

-- name: area-create
-- Creates an area in the request's organisation (org_id defaults to the context; RLS checks it) and returns its id.
INSERT INTO areas (name, code, description, parent_id, manager_id, status, color)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: area-update
-- Saves an edit of a live area made on version $3 (optimistic concurrency), bumping it.
UPDATE areas SET name = $4, code = $5, description = $6, parent_id = $7, manager_id = $8, status = $9, color = $10,
       version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND version = $3 AND archived_at IS NULL;

-- name: area-archive
-- Archives live area $2 with all its live sub-areas, with one timestamp (restore brings back exactly those); returns how many.
WITH RECURSIVE sub AS (
    SELECT x.id FROM areas AS x WHERE x.org_id = $1 AND x.id = $2 AND x.archived_at IS NULL
    UNION
    SELECT x.id FROM areas AS x JOIN sub ON x.org_id = $1 AND x.parent_id = sub.id
    WHERE x.archived_at IS NULL
), done AS (
    UPDATE areas AS a SET archived_at = now(), version = a.version + 1, updated_at = now()
    FROM sub
    WHERE a.org_id = $1 AND a.id = sub.id AND a.archived_at IS NULL
    RETURNING a.id
)
SELECT count(*) FROM done;

-- name: area-restore
-- Restores archived area $2 and the sub-areas archived with it (same timestamp); returns how many.
WITH RECURSIVE sub AS (
    SELECT x.id, x.archived_at FROM areas AS x WHERE x.org_id = $1 AND x.id = $2 AND x.archived_at IS NOT NULL
    UNION
    SELECT x.id, x.archived_at FROM areas AS x JOIN sub ON x.org_id = $1 AND x.parent_id = sub.id
    WHERE x.archived_at = sub.archived_at
), done AS (
    UPDATE areas AS a SET archived_at = NULL, version = a.version + 1, updated_at = now()
    FROM sub
    WHERE a.org_id = $1 AND a.id = sub.id AND a.archived_at = sub.archived_at
    RETURNING a.id
)
SELECT count(*) FROM done;

-- name: periods-list
-- Live periods, newest first, with whether each is the current one (begin_request's rule: the latest-starting live period covering $2, today) and its live objectives (from the maintained monthly counts).
SELECT p.id, p.name, p.start_date, p.end_date, p.version,
       coalesce(p.id = (SELECT c.id FROM periods AS c
                        WHERE c.org_id = $1 AND c.archived_at IS NULL AND c.start_date <= $2 AND c.end_date >= $2
                        ORDER BY c.start_date DESC, c.id LIMIT 1), false) AS current,
       coalesce((SELECT sum(b.n) FROM stat_months AS b
                 WHERE b.org_id = $1 AND b.entity = 'objective' AND b.period_id = p.id), 0)::int AS objectives
FROM periods AS p
WHERE p.org_id = $1 AND p.archived_at IS NULL
ORDER BY p.start_date DESC, p.id;

-- name: period-by-id
-- One live period as its edit form and delete confirmation start from.
SELECT id, name, start_date, end_date, version
FROM periods
WHERE org_id = $1 AND id = $2 AND archived_at IS NULL;

-- name: period-exists
-- Whether period $2 exists in the organisation (tells a stale edit from a missing period).
SELECT EXISTS (SELECT 1 FROM periods WHERE org_id = $1 AND id = $2);

-- name: period-create
-- Creates a period in the request's organisation and returns its id.
INSERT INTO periods (name, start_date, end_date)
VALUES ($1, $2, $3)
RETURNING id;

-- name: period-update
-- Saves an edit of period $2 made on version $3 (optimistic concurrency), bumping it.
UPDATE periods SET name = $4, start_date = $5, end_date = $6, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND version = $3 AND archived_at IS NULL;

-- name: period-delete-counts
-- What deleting period $2 changes: the objectives (archived too) that lose their period, with their initiatives and activities, and the members who chose it.
SELECT (SELECT count(*) FROM objectives WHERE org_id = $1 AND period_id = $2) AS objectives,
       (SELECT count(*) FROM objectives WHERE org_id = $1 AND period_id = $2 AND archived_at IS NOT NULL) AS archived_objectives,
       (SELECT count(*) FROM initiatives WHERE org_id = $1 AND period_id = $2) AS initiatives,
       (SELECT count(*) FROM activities WHERE org_id = $1 AND period_id = $2) AS activities,
       (SELECT count(*) FROM memberships WHERE org_id = $1 AND period_id = $2 AND period_mode = 'chosen'
                                           AND removed_at IS NULL) AS members;

-- name: period-delete
-- Deletes period $2 if still at version $3; the foreign keys set the period of its objectives, initiatives, activities and members' choices to NULL.
DELETE FROM periods WHERE org_id = $1 AND id = $2 AND version = $3;

-- name: periods-fiscal-year-start
-- The month (1-12) the organisation's fiscal year starts.
SELECT fiscal_year_start FROM organizations WHERE id = $1;

-- name: periods-create-quarters
-- Creates the named periods of arrays $1 (names), $2 (starts), $3 (ends) that do not exist yet; returns the names created.
INSERT INTO periods (name, start_date, end_date)
SELECT q.name, q.start_date, q.end_date
FROM unnest($1::text[], $2::date[], $3::date[]) AS q(name, start_date, end_date)
ORDER BY q.start_date
ON CONFLICT (org_id, name) DO NOTHING
RETURNING name;
