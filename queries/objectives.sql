-- Objectives: the stats cards, the table and the detail page.

-- name: objectives-stats
-- The stats cards, from the maintained buckets (00005, 00009): $1 org, $2 today in the organisation's time zone, $3 period (NULL: all).
SELECT coalesce(sum(n), 0) AS total,
       coalesce(sum(n) FILTER (WHERE status = 'draft'), 0) AS draft,
       coalesce(sum(n) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
       coalesce(sum(n) FILTER (WHERE status = 'completed'), 0) AS completed,
       coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0) AS cancelled,
       coalesce(round(sum(progress_sum) FILTER (WHERE status <> 'cancelled')
                      / nullif(sum(n) FILTER (WHERE status <> 'cancelled'), 0)), 0) AS avg_progress,
       coalesce(sum(n) FILTER (WHERE due < $2 AND status IN ('draft', 'in_progress')), 0) AS overdue
FROM stat_buckets
WHERE org_id = $1 AND entity = 'objective' AND ($3::uuid IS NULL OR period_id = $3::uuid);

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
       (SELECT count(*) FROM key_results AS k
         WHERE k.org_id = o.org_id AND k.objective_id = o.id AND k.archived_at IS NULL) AS key_result_count
FROM objectives AS o
LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
LEFT JOIN areas AS a ON a.org_id = o.org_id AND a.id = o.area_id
LEFT JOIN periods AS p ON p.org_id = o.org_id AND p.id = o.period_id
LEFT JOIN objectives AS po ON po.org_id = o.org_id AND po.id = o.parent_id
WHERE o.org_id = $1 AND o.id = $2;

-- name: objective-key-results
-- The live key results of objective $2, in their order, with their latest check-in.
SELECT k.id, k.title, k.kind, k.direction, k.start_value::text AS start_value,
       k.target_value::text AS target_value, k.current_value::text AS current_value,
       k.unit, k.weight::text AS weight, k.progress,
       coalesce(m.name, '') AS owner_name,
       (SELECT max(c.created_at) FROM check_ins AS c
         WHERE c.org_id = k.org_id AND c.key_result_id = k.id) AS last_check_in
FROM key_results AS k
LEFT JOIN memberships AS m ON m.org_id = k.org_id AND m.user_id = k.owner_id
WHERE k.org_id = $1 AND k.objective_id = $2 AND k.archived_at IS NULL
ORDER BY k.position, k.created_at, k.id;

-- name: objective-create
-- Creates an objective in the request's organisation (org_id defaults to the context; RLS checks it) and returns its id.
INSERT INTO objectives (title, description, owner_id, area_id, status, priority, start_date, end_date, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: key-result-objective
-- The objective a key result belongs to.
SELECT objective_id FROM key_results WHERE org_id = $1 AND id = $2;
