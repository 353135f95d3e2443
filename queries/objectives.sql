-- Objectives: the stats cards, the table and the detail page.

-- name: objectives-stats
-- The stats cards, from the maintained counts (00005, 00009, 00018): totals and what fell due before this month from stat_months, the days of this month before today (and the next week) from stat_buckets: $1 org, $2 today in the organisation's time zone, $3 period (NULL: all).
WITH m AS (
    SELECT coalesce(sum(n), 0) AS total,
           coalesce(sum(n) FILTER (WHERE status = 'draft'), 0) AS draft,
           coalesce(sum(n) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
           coalesce(sum(n) FILTER (WHERE status = 'completed'), 0) AS completed,
           coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0) AS cancelled,
           coalesce(round(sum(progress_sum) FILTER (WHERE status <> 'cancelled')
                          / nullif(sum(n) FILTER (WHERE status <> 'cancelled'), 0)), 0) AS avg_progress,
           coalesce(sum(n) FILTER (WHERE month < date_trunc('month', $2::date)::date AND status IN ('draft', 'in_progress')), 0) AS overdue_months
    FROM stat_months
    WHERE org_id = $1 AND entity = 'objective' AND ($3::uuid IS NULL OR period_id = $3::uuid)
), d AS (
    SELECT coalesce(sum(n) FILTER (WHERE due < $2::date), 0) AS overdue_days
    FROM stat_buckets
    WHERE org_id = $1 AND entity = 'objective' AND status IN ('draft', 'in_progress')
      AND due >= date_trunc('month', $2::date)::date AND due <= $2::date - 1
      AND ($3::uuid IS NULL OR period_id = $3::uuid)
)
SELECT m.total, m.draft, m.in_progress, m.completed, m.cancelled, m.avg_progress,
       m.overdue_months + d.overdue_days AS overdue
FROM m, d;

-- name: objectives-list
-- One page of live objectives, keyset-paginated, with how many match the filters counted up to $9 (an InitPlan run once, so the page costs one round trip). {{.Key}}, {{.Type}}, {{.Cmp}} and {{.Dir}} are filled at start-up from the sort whitelist in handlers/objectives.go, never from input. $2 status, $3 area, $4 owner, $5 LIKE pattern (escaped), $6/$7 cursor (sort key, id), $8 limit, $10 period (NULL: all).
SELECT o.id, o.title, o.status, o.priority, o.progress, o.end_date,
       coalesce(m.name, '') AS owner_name,
       coalesce(a.name, '') AS area_name,
       coalesce(a.color, '') AS area_color,
       ({{.Key}})::text AS sort_key,
       (SELECT count(*) FROM (
            SELECT 1 FROM objectives AS x
            WHERE x.org_id = $1 AND x.archived_at IS NULL
              AND ($2 = '' OR x.status = $2)
              AND ($3::uuid IS NULL OR x.area_id = $3::uuid)
              AND ($4::uuid IS NULL OR x.owner_id = $4::uuid)
              AND ($5 = '' OR x.title ILIKE $5)
              AND ($10::uuid IS NULL OR x.period_id = $10::uuid)
            LIMIT $9) AS capped) AS matches
FROM objectives AS o
LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
LEFT JOIN areas AS a ON a.org_id = o.org_id AND a.id = o.area_id
WHERE o.org_id = $1 AND o.archived_at IS NULL
  AND ($2 = '' OR o.status = $2)
  AND ($3::uuid IS NULL OR o.area_id = $3::uuid)
  AND ($4::uuid IS NULL OR o.owner_id = $4::uuid)
  AND ($5 = '' OR o.title ILIKE $5)
  AND ($10::uuid IS NULL OR o.period_id = $10::uuid)
  AND ($6::text IS NULL OR ({{.Key}}, o.id) {{.Cmp}} ($6::{{.Type}}, $7::uuid))
ORDER BY {{.Key}} {{.Dir}}, o.id {{.Dir}}
LIMIT $8;

-- name: objectives-count
-- How many live objectives match the filters ($7 period), counted only up to $6 (the cap), never across the whole organisation; for an empty page, which carries no count.
SELECT count(*) FROM (
    SELECT 1 FROM objectives AS o
    WHERE o.org_id = $1 AND o.archived_at IS NULL
      AND ($2 = '' OR o.status = $2)
      AND ($3::uuid IS NULL OR o.area_id = $3::uuid)
      AND ($4::uuid IS NULL OR o.owner_id = $4::uuid)
      AND ($5 = '' OR o.title ILIKE $5)
      AND ($7::uuid IS NULL OR o.period_id = $7::uuid)
    LIMIT $6
) AS capped;

-- name: objective-by-id
-- One objective with the names the detail page shows (archived ones too, so they can be restored).
SELECT o.id, o.title, o.description, o.status, o.priority, o.progress, o.start_date, o.end_date,
       o.created_at, o.updated_at, o.archived_at, o.version,
       coalesce(m.name, '') AS owner_name,
       coalesce(a.name, '') AS area_name,
       coalesce(p.name, '') AS period_name,
       o.parent_id,
       coalesce(po.title, '') AS parent_title,
       coalesce(o.area_id::text, '') AS area_id, o.progress_manual,
       (SELECT count(*) FROM key_results AS k
         WHERE k.org_id = o.org_id AND k.objective_id = o.id AND k.archived_at IS NULL) AS key_result_count
FROM objectives AS o
LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
LEFT JOIN areas AS a ON a.org_id = o.org_id AND a.id = o.area_id
LEFT JOIN periods AS p ON p.org_id = o.org_id AND p.id = o.period_id
LEFT JOIN objectives AS po ON po.org_id = o.org_id AND po.id = o.parent_id
WHERE o.org_id = $1 AND o.id = $2;

-- name: objective-key-results
-- The key results of objective $2, live ones first in their order, then archived ones, with their latest check-in.
SELECT k.id, k.title, k.kind, k.direction, k.start_value::text AS start_value,
       k.target_value::text AS target_value, k.current_value::text AS current_value,
       k.unit, k.weight::text AS weight, k.progress,
       coalesce(m.name, '') AS owner_name, coalesce(k.owner_id::text, '') AS owner,
       k.archived_at IS NOT NULL AS archived,
       (SELECT max(c.created_at) FROM check_ins AS c
         WHERE c.org_id = k.org_id AND c.key_result_id = k.id) AS last_check_in
FROM key_results AS k
LEFT JOIN memberships AS m ON m.org_id = k.org_id AND m.user_id = k.owner_id
WHERE k.org_id = $1 AND k.objective_id = $2
ORDER BY k.archived_at IS NOT NULL, k.position, k.created_at, k.id
LIMIT 200;

-- name: objective-create
-- Creates an objective in the request's organisation ($1; RLS checks it) and returns its id.
INSERT INTO objectives (org_id, title, description, owner_id, area_id, period_id, parent_id, status, priority,
                        start_date, end_date, progress_manual, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id;

-- name: objective-for-edit
-- The editable fields of a live objective, with its version.
SELECT id, title, description, coalesce(owner_id::text, '') AS owner, coalesce(area_id::text, '') AS area,
       coalesce(period_id::text, '') AS period, coalesce(parent_id::text, '') AS parent, status, priority,
       start_date, end_date, progress_manual, version, archived_at IS NOT NULL AS archived
FROM objectives
WHERE org_id = $1 AND id = $2;

-- name: objective-update
-- Saves an edit if nobody changed the objective since the form was loaded ($3 its version).
UPDATE objectives
SET title = $4, description = $5, owner_id = $6, area_id = $7, period_id = $8, parent_id = $9, status = $10,
    priority = $11, start_date = $12, end_date = $13, progress_manual = $14, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND version = $3 AND archived_at IS NULL;

-- name: objective-exists
-- Whether an objective exists (to tell a stale edit from a missing row).
SELECT EXISTS (SELECT 1 FROM objectives WHERE org_id = $1 AND id = $2);

-- name: objective-archive
-- Archives a live objective (its key results and initiatives follow: 00009).
UPDATE objectives SET archived_at = now(), version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NULL;

-- name: objective-restore
-- Restores an archived objective (and what was archived with it).
UPDATE objectives SET archived_at = NULL, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NOT NULL;

-- name: objective-delete-counts
-- What a permanent deletion takes with it.
SELECT (SELECT count(*) FROM key_results WHERE org_id = $1 AND objective_id = $2) AS key_results,
       (SELECT count(*) FROM check_ins AS c JOIN key_results AS k ON k.org_id = c.org_id AND k.id = c.key_result_id
         WHERE c.org_id = $1 AND k.objective_id = $2) AS check_ins,
       (SELECT count(*) FROM initiatives WHERE org_id = $1 AND objective_id = $2) AS initiatives,
       (SELECT count(*) FROM activities WHERE org_id = $1 AND objective_id = $2) AS activities,
       (SELECT count(*) FROM comments WHERE org_id = $1 AND objective_id = $2) AS comments,
       (SELECT count(*) FROM objectives WHERE org_id = $1 AND parent_id = $2) AS aligned;

-- name: objective-delete
-- Deletes an objective for good (key results, initiatives, activities and comments cascade; aligned objectives lose their parent).
DELETE FROM objectives WHERE org_id = $1 AND id = $2;

-- name: objective-parents-options
-- Objectives an objective may align with: live ones of the organisation, not itself nor its descendants ($2, NULL for a new one).
WITH RECURSIVE below AS (
    SELECT o.id FROM objectives AS o WHERE o.org_id = $1 AND o.id = $2
    UNION
    SELECT o.id FROM objectives AS o JOIN below AS b ON o.parent_id = b.id WHERE o.org_id = $1
)
SELECT o.id, o.title AS name FROM objectives AS o
WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.id NOT IN (SELECT id FROM below)
ORDER BY lower(o.title), o.id
LIMIT 300;

-- name: objective-children
-- What hangs from an objective on its page: aligned objectives and initiatives.
SELECT 'objective' AS kind, o.id, o.title, o.status, o.progress, o.end_date, coalesce(m.name, '') AS owner_name
FROM objectives AS o LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
WHERE o.org_id = $1 AND o.parent_id = $2 AND o.archived_at IS NULL
UNION ALL
SELECT 'initiative', i.id, i.title, i.status, i.progress, i.end_date, coalesce(m.name, '')
FROM initiatives AS i LEFT JOIN memberships AS m ON m.org_id = i.org_id AND m.user_id = i.owner_id
WHERE i.org_id = $1 AND i.objective_id = $2 AND i.archived_at IS NULL
ORDER BY 1, 6, 2
LIMIT 200;
