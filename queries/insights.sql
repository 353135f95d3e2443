-- Insights: deterministic rules over the OKR data (internal/insights holds
-- them in Go, the handlers say them in Spanish). Every list returns one
-- row even when it is empty: the counts ride on each row (an InitPlan run
-- once), the item columns are NULL on the empty row. Parameters shared by
-- all: $1 org, $2 today in the organisation's time zone, $3 period (NULL:
-- all), $4 the member (their dismissals), $5 whether dismissed insights are
-- listed too, $6 how many rows to list. "Open" is draft/in progress
-- (objectives), planning/in progress (initiatives), todo/in progress
-- (activities). Only live (non-archived) rows count.

-- name: insights-pace
-- Open objectives whose period is under way (start <= today <= end), judged by pace: progress against the share of the period elapsed, (today - start) / (end - start), a zero-length period being 100 % on its day; not judged before 10 % has elapsed. Below 75 % of that share is risk, below 95 % attention. Worst ratio first. Walks objectives_org_open_end_idx (no heap) and reads the rows shown.
WITH judged AS MATERIALIZED (
    SELECT c.id, c.end_date, c.progress, c.el, c.tot,
           CASE WHEN c.progress * c.tot < 75 * c.el THEN 'risk' ELSE 'attention' END AS level,
           d.item_id IS NOT NULL AS dismissed
    FROM (
        SELECT o.id, o.end_date, o.progress,
               CASE WHEN o.end_date = o.start_date THEN 1 ELSE $2::date - o.start_date END AS el,
               CASE WHEN o.end_date = o.start_date THEN 1 ELSE o.end_date - o.start_date END AS tot
        FROM objectives AS o
        WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
          AND o.end_date >= $2::date AND o.start_date <= $2::date
          AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
    ) AS c
    LEFT JOIN insight_dismissals AS d
      ON d.org_id = $1 AND d.user_id = $4 AND d.kind = 'pace' AND d.item_id = c.id
    WHERE 100 * c.el >= 10 * c.tot AND c.progress * c.tot < 95 * c.el
), counts AS (
    SELECT count(*) FILTER (WHERE level = 'risk' AND NOT dismissed) AS risk,
           count(*) FILTER (WHERE level = 'attention' AND NOT dismissed) AS attention,
           count(*) FILTER (WHERE dismissed) AS dismissed_count
    FROM judged
)
SELECT counts.risk, counts.attention, counts.dismissed_count,
       r.id, r.title, r.status, r.progress, r.start_date, r.end_date, r.dismissed, r.owner_name, r.area_name
FROM counts
LEFT JOIN LATERAL (
    SELECT j.id, o.title, o.status, o.progress, o.start_date, o.end_date, j.dismissed,
           coalesce(m.name, '') AS owner_name, coalesce(a.name, '') AS area_name
    FROM (SELECT x.id, x.dismissed, x.progress::float8 * x.tot / x.el AS ratio, x.end_date FROM judged AS x
          WHERE $5::boolean OR NOT x.dismissed
          ORDER BY 3, x.end_date, x.id
          LIMIT $6) AS j
    JOIN objectives AS o ON o.org_id = $1 AND o.id = j.id
    LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
    LEFT JOIN areas AS a ON a.org_id = o.org_id AND a.id = o.area_id
    ORDER BY j.ratio, j.end_date, j.id
) AS r ON true;

-- name: insights-stale-key-results
-- Live key results not yet at 100 %, of open objectives under way (start <= today <= end), with no check-in since $7 (the start of the 14-day window, today - 13, in the organisation's time zone), or none at all while created before it. Soonest objective end first; the count stops at $8 (the cap). Walks the open objectives by end date and stops once it has enough.
WITH stale AS NOT MATERIALIZED (
    SELECT k.id, o.end_date, k.position, d.item_id IS NOT NULL AS dismissed
    FROM objectives AS o
    JOIN key_results AS k ON k.org_id = o.org_id AND k.objective_id = o.id AND k.archived_at IS NULL AND k.progress < 100
    LEFT JOIN insight_dismissals AS d
      ON d.org_id = $1 AND d.user_id = $4 AND d.kind = 'stale-kr' AND d.item_id = k.id
    WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
      AND o.end_date >= $2::date AND o.start_date <= $2::date
      AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
      AND k.created_at < $7::timestamptz
      AND NOT EXISTS (SELECT 1 FROM check_ins AS c
                      WHERE c.org_id = $1 AND c.key_result_id = k.id AND c.created_at >= $7::timestamptz)
), counts AS (
    -- in end-date order, so the count walks the index and stops at the cap
    -- (without an order a LIMIT makes a sequential scan look cheap)
    SELECT (SELECT count(*) FROM (SELECT 1 FROM stale WHERE NOT dismissed ORDER BY end_date LIMIT $8) AS x) AS total,
           -- from the member's own dismissals, so it costs what they dismissed
           (SELECT count(*) FROM insight_dismissals AS d
            JOIN key_results AS k ON k.org_id = d.org_id AND k.id = d.key_result_id AND k.archived_at IS NULL AND k.progress < 100
            JOIN objectives AS o ON o.org_id = k.org_id AND o.id = k.objective_id
            WHERE d.org_id = $1 AND d.user_id = $4 AND d.kind = 'stale-kr'
              AND o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
              AND o.end_date >= $2::date AND o.start_date <= $2::date
              AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
              AND k.created_at < $7::timestamptz
              AND NOT EXISTS (SELECT 1 FROM check_ins AS c
                              WHERE c.org_id = $1 AND c.key_result_id = k.id AND c.created_at >= $7::timestamptz)) AS dismissed_count
)
SELECT counts.total, counts.dismissed_count,
       r.id, r.title, r.objective_id, r.objective_title, r.created_at, r.last_check_in, r.dismissed, r.owner_name
FROM counts
LEFT JOIN LATERAL (
    SELECT s.id, k.title, k.objective_id, o.title AS objective_title, k.created_at,
           (SELECT max(c.created_at) FROM check_ins AS c WHERE c.org_id = $1 AND c.key_result_id = s.id) AS last_check_in,
           s.dismissed, coalesce(m.name, '') AS owner_name
    FROM (SELECT x.id, x.end_date, x.position, x.dismissed FROM stale AS x
          WHERE $5::boolean OR NOT x.dismissed
          ORDER BY x.end_date, x.position, x.id
          LIMIT $6) AS s
    JOIN key_results AS k ON k.org_id = $1 AND k.id = s.id
    JOIN objectives AS o ON o.org_id = $1 AND o.id = k.objective_id
    LEFT JOIN memberships AS m ON m.org_id = k.org_id AND m.user_id = k.owner_id
    ORDER BY s.end_date, s.position, s.id
) AS r ON true;

-- name: insights-stalled-initiatives
-- Live initiatives in progress, under way for the whole window (start <= $7's day, end >= today), with no live activity completed since $7 (the start of the 14-day window). Soonest end first; the count stops at $8. Walks initiatives_org_status_end_idx; each test is one probe of activities_org_initiative_done_idx.
WITH stalled AS NOT MATERIALIZED (
    SELECT i.id, i.end_date, d.item_id IS NOT NULL AS dismissed
    FROM initiatives AS i
    LEFT JOIN insight_dismissals AS d
      ON d.org_id = $1 AND d.user_id = $4 AND d.kind = 'stalled' AND d.item_id = i.id
    WHERE i.org_id = $1 AND i.archived_at IS NULL AND i.status = 'in_progress'
      AND i.end_date >= $2::date AND i.start_date <= ($2::date - 13)
      AND ($3::uuid IS NULL OR i.period_id = $3::uuid)
      AND NOT EXISTS (SELECT 1 FROM activities AS a
                      WHERE a.org_id = $1 AND a.initiative_id = i.id AND a.completed_at IS NOT NULL
                        AND a.archived_at IS NULL AND a.completed_at >= $7::timestamptz)
), counts AS (
    SELECT (SELECT count(*) FROM (SELECT 1 FROM stalled WHERE NOT dismissed ORDER BY end_date LIMIT $8) AS x) AS total,
           -- from the member's own dismissals, so it costs what they dismissed
           (SELECT count(*) FROM insight_dismissals AS d
            JOIN initiatives AS i ON i.org_id = d.org_id AND i.id = d.initiative_id
            WHERE d.org_id = $1 AND d.user_id = $4 AND d.kind = 'stalled'
              AND i.archived_at IS NULL AND i.status = 'in_progress'
              AND i.end_date >= $2::date AND i.start_date <= ($2::date - 13)
              AND ($3::uuid IS NULL OR i.period_id = $3::uuid)
              AND NOT EXISTS (SELECT 1 FROM activities AS a
                              WHERE a.org_id = $1 AND a.initiative_id = i.id AND a.completed_at IS NOT NULL
                                AND a.archived_at IS NULL AND a.completed_at >= $7::timestamptz)) AS dismissed_count
)
SELECT counts.total, counts.dismissed_count,
       r.id, r.title, r.start_date, r.end_date, r.progress, r.last_completed, r.open_activities, r.dismissed, r.owner_name
FROM counts
LEFT JOIN LATERAL (
    SELECT s.id, i.title, i.start_date, i.end_date, i.progress,
           (SELECT max(a.completed_at) FROM activities AS a
             WHERE a.org_id = $1 AND a.initiative_id = s.id AND a.completed_at IS NOT NULL
               AND a.archived_at IS NULL) AS last_completed,
           (SELECT count(*) FROM activities AS a
             WHERE a.org_id = $1 AND a.initiative_id = s.id AND a.archived_at IS NULL
               AND a.status IN ('todo', 'in_progress')) AS open_activities,
           s.dismissed, coalesce(m.name, '') AS owner_name
    FROM (SELECT x.id, x.end_date, x.dismissed FROM stalled AS x
          WHERE $5::boolean OR NOT x.dismissed
          ORDER BY x.end_date, x.id
          LIMIT $6) AS s
    JOIN initiatives AS i ON i.org_id = $1 AND i.id = s.id
    LEFT JOIN memberships AS m ON m.org_id = i.org_id AND m.user_id = i.owner_id
    ORDER BY s.end_date, s.id
) AS r ON true;

-- name: insights-overdue-clusters
-- Overdue open objectives, initiatives and activities (end/due date before today) per area and per owner/assignee, clusters of at least $7 items, most first ($6 of each dimension listed). Months before the current one come from open_due_months (00014); this month's days before today from the tables through their (status, date) indexes. The zero uuid is "no area" / "unassigned".
WITH counts AS (
    SELECT b.dim, b.key, b.entity, sum(b.n) AS n
    FROM open_due_months AS b
    WHERE b.org_id = $1 AND b.month < date_trunc('month', $2::date)::date
      AND ($3::uuid IS NULL OR b.period_id = $3::uuid)
    GROUP BY b.dim, b.key, b.entity
    UNION ALL
    SELECT d.dim, coalesce(d.key, '00000000-0000-0000-0000-000000000000'), 'objective', 1
    FROM objectives AS o
    CROSS JOIN LATERAL (VALUES ('area', o.area_id), ('person', o.owner_id)) AS d(dim, key)
    WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
      AND o.end_date >= date_trunc('month', $2::date)::date AND o.end_date < $2::date
      AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
    UNION ALL
    SELECT d.dim, coalesce(d.key, '00000000-0000-0000-0000-000000000000'), 'initiative', 1
    FROM initiatives AS i
    CROSS JOIN LATERAL (VALUES ('area', i.area_id), ('person', i.owner_id)) AS d(dim, key)
    WHERE i.org_id = $1 AND i.archived_at IS NULL AND i.status IN ('planning', 'in_progress')
      AND i.end_date >= date_trunc('month', $2::date)::date AND i.end_date < $2::date
      AND ($3::uuid IS NULL OR i.period_id = $3::uuid)
    UNION ALL
    SELECT d.dim, coalesce(d.key, '00000000-0000-0000-0000-000000000000'), 'activity', 1
    FROM activities AS a
    CROSS JOIN LATERAL (VALUES ('area', a.area_id), ('person', a.assignee_id)) AS d(dim, key)
    WHERE a.org_id = $1 AND a.archived_at IS NULL AND a.status IN ('todo', 'in_progress')
      AND a.due_date >= date_trunc('month', $2::date)::date AND a.due_date < $2::date
      AND ($3::uuid IS NULL OR a.period_id = $3::uuid)
), clusters AS MATERIALIZED (
    SELECT c.dim, c.key,
           coalesce(sum(c.n) FILTER (WHERE c.entity = 'objective'), 0)::bigint AS objectives,
           coalesce(sum(c.n) FILTER (WHERE c.entity = 'initiative'), 0)::bigint AS initiatives,
           coalesce(sum(c.n) FILTER (WHERE c.entity = 'activity'), 0)::bigint AS activities,
           sum(c.n)::bigint AS total,
           d.item_id IS NOT NULL AS dismissed
    FROM counts AS c
    LEFT JOIN insight_dismissals AS d
      ON d.org_id = $1 AND d.user_id = $4 AND d.kind = 'overdue-' || c.dim AND d.item_id = c.key
    GROUP BY c.dim, c.key, d.item_id
    HAVING sum(c.n) >= $7
), totals AS (
    SELECT count(*) FILTER (WHERE NOT dismissed) AS total, count(*) FILTER (WHERE dismissed) AS dismissed_count
    FROM clusters
)
SELECT totals.total, totals.dismissed_count,
       r.dim, r.key, r.name, r.objectives, r.initiatives, r.activities, r.cluster_total, r.dismissed
FROM totals
LEFT JOIN LATERAL (
    SELECT x.dim, x.key::text AS key, x.name, x.objectives, x.initiatives, x.activities, x.total AS cluster_total, x.dismissed
    FROM (
        SELECT c.*, coalesce(a.name, m.name, '') AS name,
               row_number() OVER (PARTITION BY c.dim ORDER BY c.total DESC, c.key) AS n
        FROM clusters AS c
        LEFT JOIN areas AS a ON c.dim = 'area' AND a.org_id = $1 AND a.id = c.key
        LEFT JOIN memberships AS m ON c.dim = 'person' AND m.org_id = $1 AND m.user_id = c.key
        WHERE $5::boolean OR NOT c.dismissed
    ) AS x
    WHERE x.n <= $6
    ORDER BY x.dim, x.total DESC, x.key
) AS r ON true;

-- name: insights-forecast-candidates
-- The first $5 live key results not yet at their target, of open objectives under way (start <= today <= end), soonest objective end first, with their latest 30 check-ins (values and epoch seconds, oldest first), the end of the objective's last day (epoch seconds, organisation's time zone) and whether the member dismissed the forecast; internal/insights fits the line.
SELECT k.id, k.title, k.kind, k.unit, k.direction, k.start_value::float8 AS start_value,
       k.target_value::float8 AS target_value, k.current_value::float8 AS current_value,
       o.id AS objective_id, o.title AS objective_title, o.end_date,
       extract(epoch FROM (o.end_date + 1)::timestamptz)::float8 AS end_at,
       coalesce(p.vals, '{}') AS vals, coalesce(p.ats, '{}') AS ats,
       d.item_id IS NOT NULL AS dismissed, coalesce(m.name, '') AS owner_name
FROM objectives AS o
JOIN key_results AS k ON k.org_id = o.org_id AND k.objective_id = o.id AND k.archived_at IS NULL
LEFT JOIN insight_dismissals AS d
  ON d.org_id = $1 AND d.user_id = $4 AND d.kind = 'forecast' AND d.item_id = k.id
LEFT JOIN memberships AS m ON m.org_id = k.org_id AND m.user_id = k.owner_id
LEFT JOIN LATERAL (
    SELECT array_agg(x.value::float8 ORDER BY x.created_at) AS vals,
           array_agg(extract(epoch FROM x.created_at)::float8 ORDER BY x.created_at) AS ats
    FROM (SELECT c.value, c.created_at FROM check_ins AS c
          WHERE c.org_id = $1 AND c.key_result_id = k.id
          ORDER BY c.created_at DESC LIMIT 30) AS x
) AS p ON true
WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status IN ('draft', 'in_progress')
  AND o.end_date >= $2::date AND o.start_date <= $2::date
  AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
  AND CASE k.direction WHEN 'decrease' THEN k.current_value > k.target_value ELSE k.current_value < k.target_value END
ORDER BY o.end_date, o.id, k.position, k.id
LIMIT $5;

-- name: insight-dismiss
-- Hides an insight for the member ($2); the item columns name the item, whose composite foreign key refuses another organisation's id (23503). Dismissing twice changes nothing.
INSERT INTO insight_dismissals (org_id, user_id, kind, objective_id, key_result_id, initiative_id, area_id, member_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (org_id, user_id, kind, item_id) DO NOTHING;

-- name: insight-restore
-- Shows a dismissed insight again for the member ($2).
DELETE FROM insight_dismissals WHERE org_id = $1 AND user_id = $2 AND kind = $3 AND item_id = $4;

-- name: insight-item-exists
-- Whether the item an insight key names ($2 kind, $3 id) is this organisation's (RLS hides the others'); the zero uuid is the "no area" / "unassigned" overdue cluster.
SELECT CASE $2
    WHEN 'pace' THEN EXISTS (SELECT 1 FROM objectives WHERE org_id = $1 AND id = $3::uuid)
    WHEN 'stale-kr' THEN EXISTS (SELECT 1 FROM key_results WHERE org_id = $1 AND id = $3::uuid)
    WHEN 'forecast' THEN EXISTS (SELECT 1 FROM key_results WHERE org_id = $1 AND id = $3::uuid)
    WHEN 'stalled' THEN EXISTS (SELECT 1 FROM initiatives WHERE org_id = $1 AND id = $3::uuid)
    WHEN 'overdue-area' THEN $3::uuid = '00000000-0000-0000-0000-000000000000'
                             OR EXISTS (SELECT 1 FROM areas WHERE org_id = $1 AND id = $3::uuid)
    WHEN 'overdue-person' THEN $3::uuid = '00000000-0000-0000-0000-000000000000'
                               OR EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $3::uuid)
    ELSE false END;
