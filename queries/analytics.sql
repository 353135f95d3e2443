-- Analytics: overview, progress by area against the organisation's target,
-- top performers, monthly completions, upcoming deadlines and the
-- distribution of objectives, each filtered by period ($2, NULL: all) and
-- area ($3, NULL: all; the zero uuid is "no area"), from the maintained
-- aggregates of 00013 except the deadlines list, which walks the due-date
-- indexes.

-- name: analytics-overview
-- The overview cards: objectives (with completed), overall progress, active initiatives, completed activities, success rate (completed / all objectives, 0 when none) and active areas.
SELECT coalesce(sum(s.n) FILTER (WHERE s.entity = 'objective'), 0) AS objectives,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'objective' AND s.status = 'completed'), 0) AS completed,
       coalesce(round(sum(s.progress_sum) FILTER (WHERE s.entity = 'objective' AND s.status <> 'cancelled')
                      / nullif(sum(s.n) FILTER (WHERE s.entity = 'objective' AND s.status <> 'cancelled'), 0)), 0) AS overall_progress,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'initiative' AND s.status = 'in_progress'), 0) AS active_initiatives,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'activity' AND s.status = 'completed'), 0) AS completed_activities,
       coalesce(round(100 * sum(s.n) FILTER (WHERE s.entity = 'objective' AND s.status = 'completed')
                      / nullif(sum(s.n) FILTER (WHERE s.entity = 'objective'), 0)), 0) AS success_rate,
       (SELECT count(*) FROM areas AS a
         WHERE a.org_id = $1 AND a.archived_at IS NULL AND a.status = 'active'
           AND ($3::uuid IS NULL OR a.id = $3::uuid)) AS active_areas
FROM area_stats AS s
WHERE s.org_id = $1 AND ($2::uuid IS NULL OR s.period_id = $2::uuid) AND ($3::uuid IS NULL OR s.area_id = $3::uuid);

-- name: analytics-areas
-- Progress by area: per area, its live objectives, how many are completed, and the mean progress of those not cancelled, now and as of week $4 (the weekly record carried forward: the latest row of each series at or before it; NULL when the area had none).
WITH cur AS (
    SELECT s.area_id, sum(s.n) AS total,
           coalesce(sum(s.n) FILTER (WHERE s.status = 'completed'), 0) AS completed,
           coalesce(round(sum(s.progress_sum) FILTER (WHERE s.status <> 'cancelled')
                          / nullif(sum(s.n) FILTER (WHERE s.status <> 'cancelled'), 0)), 0) AS progress
    FROM area_stats AS s
    WHERE s.org_id = $1 AND s.entity = 'objective'
      AND ($2::uuid IS NULL OR s.period_id = $2::uuid) AND ($3::uuid IS NULL OR s.area_id = $3::uuid)
    GROUP BY s.area_id
    HAVING sum(s.n) > 0
), past AS (
    SELECT p.area_id, round(sum(p.progress_sum) / nullif(sum(p.n), 0)) AS progress
    FROM (SELECT DISTINCT ON (w.period_id, w.area_id) w.area_id, w.n, w.progress_sum
          FROM progress_weeks AS w
          WHERE w.org_id = $1 AND w.week <= $4
            AND ($2::uuid IS NULL OR w.period_id = $2::uuid) AND ($3::uuid IS NULL OR w.area_id = $3::uuid)
          ORDER BY w.period_id, w.area_id, w.week DESC) AS p
    GROUP BY p.area_id
)
SELECT cur.area_id::text AS area_id, coalesce(a.name, '') AS name, coalesce(a.color, '') AS color,
       cur.total, cur.completed, cur.progress, past.progress AS past_progress
FROM cur
LEFT JOIN past ON past.area_id = cur.area_id
LEFT JOIN areas AS a ON a.org_id = $1 AND a.id = cur.area_id
ORDER BY cur.progress DESC, a.name NULLS LAST, cur.area_id
LIMIT 50;

-- name: analytics-target
-- The organisation's progress target and settings version (for the target form), and the first week of the weekly progress record.
SELECT o.progress_target, o.version,
       (SELECT min(w.week) FROM progress_weeks AS w WHERE w.org_id = $1) AS history_since
FROM organizations AS o WHERE o.id = $1;

-- name: analytics-target-save
-- Saves the progress target if the organisation's settings did not change since the form was loaded ($2 the version).
UPDATE organizations SET progress_target = $3, version = version + 1, updated_at = now()
WHERE id = $1 AND version = $2;

-- name: analytics-target-exists
-- Whether the organisation exists (to tell a stale target form from a missing row).
SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1 AND id = $2);

-- name: analytics-performers
-- Top performers: current members (of area $3 when given) by activities of the period completed, with their open ones (todo and in progress), from member_stats; $4 how many.
SELECT m.user_id::text AS id, m.name,
       coalesce(sum(s.n) FILTER (WHERE s.status = 'completed'), 0) AS completed,
       coalesce(sum(s.n) FILTER (WHERE s.status IN ('todo', 'in_progress')), 0) AS active
FROM member_stats AS s
JOIN memberships AS m ON m.org_id = s.org_id AND m.user_id = s.member_id AND m.removed_at IS NULL
WHERE s.org_id = $1 AND ($2::uuid IS NULL OR s.period_id = $2::uuid)
  AND ($3::uuid IS NULL OR m.area_id = $3::uuid)
GROUP BY m.user_id, m.name
HAVING sum(s.n) FILTER (WHERE s.status = 'completed') > 0
ORDER BY completed DESC, active DESC, m.name, m.user_id
LIMIT $4;

-- name: analytics-monthly
-- Objectives, initiatives and activities completed per month (organisation's time zone) from month $4 to month $5, from completion_months.
SELECT d.month,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'objective'), 0) AS objectives,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'initiative'), 0) AS initiatives,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'activity'), 0) AS activities
FROM completion_months AS d
WHERE d.org_id = $1 AND d.month >= $4 AND d.month <= $5
  AND ($2::uuid IS NULL OR d.period_id = $2::uuid) AND ($3::uuid IS NULL OR d.area_id = $3::uuid)
GROUP BY d.month
ORDER BY d.month;

-- name: analytics-deadlines
-- Upcoming deadlines: open objectives, initiatives and activities due from day $4 to day $5, soonest first, $6 at most. One ordered index range per kind and open status, so only the first rows of each are read.
SELECT d.kind, d.id::text AS id, d.title, d.status, d.priority, d.due, coalesce(m.name, '') AS owner_name
FROM (
    (SELECT 'objective' AS kind, o.id, o.title, o.status, o.priority, o.end_date AS due, o.owner_id AS owner
     FROM objectives AS o
     WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status = 'draft' AND o.end_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR o.period_id = $2::uuid) AND ($3::uuid IS NULL OR o.area_id = $3::uuid)
     ORDER BY o.end_date, o.id LIMIT $6)
    UNION ALL
    (SELECT 'objective', o.id, o.title, o.status, o.priority, o.end_date, o.owner_id
     FROM objectives AS o
     WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status = 'in_progress' AND o.end_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR o.period_id = $2::uuid) AND ($3::uuid IS NULL OR o.area_id = $3::uuid)
     ORDER BY o.end_date, o.id LIMIT $6)
    UNION ALL
    (SELECT 'initiative', i.id, i.title, i.status, i.priority, i.end_date, i.owner_id
     FROM initiatives AS i
     WHERE i.org_id = $1 AND i.archived_at IS NULL AND i.status = 'planning' AND i.end_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR i.period_id = $2::uuid) AND ($3::uuid IS NULL OR i.area_id = $3::uuid)
     ORDER BY i.end_date, i.id LIMIT $6)
    UNION ALL
    (SELECT 'initiative', i.id, i.title, i.status, i.priority, i.end_date, i.owner_id
     FROM initiatives AS i
     WHERE i.org_id = $1 AND i.archived_at IS NULL AND i.status = 'in_progress' AND i.end_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR i.period_id = $2::uuid) AND ($3::uuid IS NULL OR i.area_id = $3::uuid)
     ORDER BY i.end_date, i.id LIMIT $6)
    UNION ALL
    (SELECT 'activity', x.id, x.title, x.status, x.priority, x.due_date, x.assignee_id
     FROM activities AS x
     WHERE x.org_id = $1 AND x.archived_at IS NULL AND x.status = 'todo' AND x.due_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR x.period_id = $2::uuid) AND ($3::uuid IS NULL OR x.area_id = $3::uuid)
     ORDER BY x.due_date, x.id LIMIT $6)
    UNION ALL
    (SELECT 'activity', x.id, x.title, x.status, x.priority, x.due_date, x.assignee_id
     FROM activities AS x
     WHERE x.org_id = $1 AND x.archived_at IS NULL AND x.status = 'in_progress' AND x.due_date BETWEEN $4 AND $5
       AND ($2::uuid IS NULL OR x.period_id = $2::uuid) AND ($3::uuid IS NULL OR x.area_id = $3::uuid)
     ORDER BY x.due_date, x.id LIMIT $6)
) AS d
LEFT JOIN memberships AS m ON m.org_id = $1 AND m.user_id = d.owner
ORDER BY d.due, d.kind, d.title, d.id
LIMIT $6;

-- name: analytics-distribution
-- The live objectives per status and progress band (0-24, 25-49, 50-74, 75-99, 100 %), from area_stats.
SELECT s.status, s.band, sum(s.n) AS n
FROM area_stats AS s
WHERE s.org_id = $1 AND s.entity = 'objective'
  AND ($2::uuid IS NULL OR s.period_id = $2::uuid) AND ($3::uuid IS NULL OR s.area_id = $3::uuid)
GROUP BY s.status, s.band
HAVING sum(s.n) > 0
ORDER BY s.status, s.band;

