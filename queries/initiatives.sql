-- Initiatives: the stats cards, the table, the detail page, the forms,
-- archiving and permanent deletion.

-- name: initiatives-stats
-- The stats cards, from the maintained counts (00005, 00009, 00018): totals and what fell due before this month from stat_months, the days of this month before today (and the next week) from stat_buckets: $1 org, $2 today in the organisation's time zone, $3 period (NULL: all).
WITH m AS (
    SELECT coalesce(sum(n), 0) AS total,
           coalesce(sum(n) FILTER (WHERE status = 'planning'), 0) AS planning,
           coalesce(sum(n) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
           coalesce(sum(n) FILTER (WHERE status = 'completed'), 0) AS completed,
           coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0) AS cancelled,
           coalesce(round(sum(progress_sum) FILTER (WHERE status <> 'cancelled')
                          / nullif(sum(n) FILTER (WHERE status <> 'cancelled'), 0)), 0) AS avg_progress,
           coalesce(sum(n) FILTER (WHERE month < date_trunc('month', $2::date)::date AND status IN ('planning', 'in_progress')), 0) AS overdue_months
    FROM stat_months
    WHERE org_id = $1 AND entity = 'initiative' AND ($3::uuid IS NULL OR period_id = $3::uuid)
), d AS (
    SELECT coalesce(sum(n) FILTER (WHERE due < $2::date), 0) AS overdue_days
    FROM stat_buckets
    WHERE org_id = $1 AND entity = 'initiative' AND status IN ('planning', 'in_progress')
      AND due >= date_trunc('month', $2::date)::date AND due <= $2::date - 1
      AND ($3::uuid IS NULL OR period_id = $3::uuid)
)
SELECT m.total, m.planning, m.in_progress, m.completed, m.cancelled, m.avg_progress,
       m.overdue_months + d.overdue_days AS overdue
FROM m, d;

-- name: initiatives-list
-- One page of live initiatives with their objective and owner, keyset-paginated, with how many match the filters counted up to $10 (an InitPlan run once, so the page costs one round trip). {{.Key}}, {{.Type}}, {{.Cmp}} and {{.Dir}} are filled at start-up from the sort whitelist in handlers/initiatives.go, never from input. $2 status, $3 area, $4 owner, $5 objective, $6 LIKE pattern (escaped), $7/$8 cursor (sort key, id), $9 limit, $11 period (NULL: all). The names come from scalar subqueries rather than joins, like activities-list: evaluated for the page's rows only and planned without a join search.
SELECT i.id, i.title, i.status, i.progress, i.start_date, i.end_date,
       i.objective_id, (SELECT o.title FROM objectives AS o WHERE o.org_id = i.org_id AND o.id = i.objective_id) AS objective_title,
       coalesce((SELECT m.name FROM memberships AS m WHERE m.org_id = i.org_id AND m.user_id = i.owner_id), '') AS owner_name,
       ({{.Key}})::text AS sort_key,
       (SELECT count(*) FROM (
            SELECT 1 FROM initiatives AS x
            WHERE x.org_id = $1 AND x.archived_at IS NULL
              AND ($2 = '' OR x.status = $2)
              AND ($3::uuid IS NULL OR x.area_id = $3::uuid)
              AND ($4::uuid IS NULL OR x.owner_id = $4::uuid)
              AND ($5::uuid IS NULL OR x.objective_id = $5::uuid)
              AND ($6 = '' OR x.title ILIKE $6)
              AND ($11::uuid IS NULL OR x.period_id = $11::uuid)
            LIMIT $10) AS capped) AS matches
FROM initiatives AS i
WHERE i.org_id = $1 AND i.archived_at IS NULL
  AND ($2 = '' OR i.status = $2)
  AND ($3::uuid IS NULL OR i.area_id = $3::uuid)
  AND ($4::uuid IS NULL OR i.owner_id = $4::uuid)
  AND ($5::uuid IS NULL OR i.objective_id = $5::uuid)
  AND ($6 = '' OR i.title ILIKE $6)
  AND ($11::uuid IS NULL OR i.period_id = $11::uuid)
  AND ($7::text IS NULL OR ({{.Key}}, i.id) {{.Cmp}} ($7::{{.Type}}, $8::uuid))
ORDER BY {{.Key}} {{.Dir}}, i.id {{.Dir}}
LIMIT $9;

-- name: initiatives-count
-- How many live initiatives match the filters ($8 period), counted only up to $7 (the cap); for an empty page, which carries no count.
SELECT count(*) FROM (
    SELECT 1 FROM initiatives AS i
    WHERE i.org_id = $1 AND i.archived_at IS NULL
      AND ($2 = '' OR i.status = $2)
      AND ($3::uuid IS NULL OR i.area_id = $3::uuid)
      AND ($4::uuid IS NULL OR i.owner_id = $4::uuid)
      AND ($5::uuid IS NULL OR i.objective_id = $5::uuid)
      AND ($6 = '' OR i.title ILIKE $6)
      AND ($8::uuid IS NULL OR i.period_id = $8::uuid)
    LIMIT $7
) AS capped;

-- name: initiative-by-id
-- One initiative (archived ones too, so they can be restored) with the names its page shows and the activity counts its progress comes from.
SELECT i.id, i.title, i.description, i.status, i.priority, i.progress, i.progress_manual,
       i.start_date, i.end_date, i.archived_at, i.version,
       i.objective_id, o.title AS objective_title, o.archived_at IS NOT NULL AS objective_archived,
       coalesce(i.owner_id::text, '') AS owner_id, coalesce(m.name, '') AS owner_name,
       coalesce(i.area_id::text, '') AS area_id, coalesce(a.name, '') AS area_name,
       coalesce(p.name, '') AS period_name,
       c.live AS activities_live, c.completed AS activities_completed, c.cancelled AS activities_cancelled,
       c.archived_with AS activities_archived_with
FROM initiatives AS i
JOIN objectives AS o ON o.org_id = i.org_id AND o.id = i.objective_id
LEFT JOIN memberships AS m ON m.org_id = i.org_id AND m.user_id = i.owner_id
LEFT JOIN areas AS a ON a.org_id = i.org_id AND a.id = i.area_id
LEFT JOIN periods AS p ON p.org_id = i.org_id AND p.id = i.period_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE x.archived_at IS NULL) AS live,
           count(*) FILTER (WHERE x.archived_at IS NULL AND x.status = 'completed') AS completed,
           count(*) FILTER (WHERE x.archived_at IS NULL AND x.status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE x.archived_at = i.archived_at) AS archived_with
    FROM activities AS x
    WHERE x.org_id = i.org_id AND x.initiative_id = i.id
) AS c
WHERE i.org_id = $1 AND i.id = $2;

-- name: initiative-activities
-- The activities an initiative's page lists: its live ones, or for an archived initiative ($3 its archived_at) those archived with it, which come back when it is restored; by due date, up to 100.
SELECT a.id, a.title, a.status, a.due_date, coalesce(m.name, '') AS assignee_name
FROM activities AS a
LEFT JOIN memberships AS m ON m.org_id = a.org_id AND m.user_id = a.assignee_id
WHERE a.org_id = $1 AND a.initiative_id = $2 AND a.archived_at IS NOT DISTINCT FROM $3::timestamptz
ORDER BY a.due_date NULLS LAST, a.id
LIMIT 100;

-- name: initiative-objective
-- The objective an initiative goes under: its area (for the gerente's own-area rule) and whether it is archived.
SELECT coalesce(area_id::text, '') AS area_id, archived_at IS NOT NULL AS archived
FROM objectives
WHERE org_id = $1 AND id = $2;

-- name: initiative-objective-choices
-- The form's objective picker: live objectives by title, all of them ($2 true) or those of one area ($3, a gerente's; NULL matches none).
SELECT id, title AS name FROM objectives
WHERE org_id = $1 AND archived_at IS NULL AND ($2::boolean OR area_id = $3::uuid)
ORDER BY lower(title), id;

-- name: initiative-objective-filter
-- The table's objective filter: live objectives of the period shown ($2, NULL: all) by title, up to 200, plus the chosen one ($3) wherever it is.
SELECT id, name FROM (
    (SELECT id, title AS name, lower(title) AS k FROM objectives
     WHERE org_id = $1 AND archived_at IS NULL AND ($2::uuid IS NULL OR period_id = $2::uuid)
     ORDER BY lower(title), id
     LIMIT 200)
    UNION
    (SELECT id, title, lower(title) FROM objectives WHERE org_id = $1 AND id = $3::uuid)
) AS x
ORDER BY k, id;

-- name: initiative-create
-- Creates an initiative under objective $2 (a trigger copies the objective's area and period; the composite foreign keys refuse another organisation's objective or owner) and returns its id.
INSERT INTO initiatives (org_id, objective_id, title, description, owner_id, status, priority,
                         start_date, end_date, progress_manual, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: initiative-update
-- Saves the edit form only if nobody changed the live initiative since the form was loaded ($12 its version), bumping the version; a new objective brings its area and period, and the activities follow (00009).
UPDATE initiatives
SET objective_id = $3, title = $4, description = $5, owner_id = $6, status = $7, priority = $8,
    start_date = $9, end_date = $10, progress_manual = $11, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND version = $12 AND archived_at IS NULL;

-- name: initiative-exists
-- Whether an initiative exists (tells a stale edit from a missing row).
SELECT EXISTS (SELECT 1 FROM initiatives WHERE org_id = $1 AND id = $2);

-- name: initiative-archive
-- Archives a live initiative (its live activities follow with the same timestamp: 00009), bumping the version so open edit forms go stale.
UPDATE initiatives SET archived_at = now(), version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NULL;

-- name: initiative-restore
-- Restores an archived initiative whose objective is live; the activities archived with it come back (00009).
UPDATE initiatives AS i SET archived_at = NULL, version = i.version + 1, updated_at = now()
WHERE i.org_id = $1 AND i.id = $2 AND i.archived_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM objectives AS o
              WHERE o.org_id = i.org_id AND o.id = i.objective_id AND o.archived_at IS NULL);

-- name: initiative-delete-counts
-- What deleting an initiative takes with it: its activities (archived ones too), the comments on it and on them, and their history.
SELECT (SELECT count(*) FROM activities AS a WHERE a.org_id = $1 AND a.initiative_id = $2) AS activities,
       (SELECT count(*) FROM comments AS c WHERE c.org_id = $1 AND c.initiative_id = $2)
     + (SELECT count(*) FROM comments AS c
        JOIN activities AS a ON a.org_id = c.org_id AND a.id = c.activity_id
        WHERE c.org_id = $1 AND a.initiative_id = $2) AS comments,
       (SELECT count(*) FROM changes AS h WHERE h.org_id = $1 AND h.initiative_id = $2)
     + (SELECT count(*) FROM changes AS h
        JOIN activities AS a ON a.org_id = h.org_id AND a.id = h.activity_id
        WHERE h.org_id = $1 AND a.initiative_id = $2) AS changes;

-- name: initiative-delete
-- Deletes an initiative for good; its activities, comments and history go with it (ON DELETE CASCADE).
DELETE FROM initiatives WHERE org_id = $1 AND id = $2;
