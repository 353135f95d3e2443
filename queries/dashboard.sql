-- The dashboard ("Dashboard OKR"): KPI cards, recent objectives, the
-- member's pending activities, progress by area and the weekly trend. Every
-- number comes from the maintained aggregates of 00013 (area_stats,
-- member_stats, completion_days, progress_weeks) or from the first rows of
-- an index, never from a scan of the organisation's rows.

-- name: dashboard-stats
-- The KPI cards: $1 org, $2 today in the organisation's time zone, $3 period (NULL: all). Counts and progress from area_stats; the nearest open end date ahead from the first row of each open status in the (status, end date) index; members from memberships.
SELECT coalesce(sum(s.n) FILTER (WHERE s.entity = 'objective'), 0) AS objectives,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'objective' AND s.status = 'in_progress'), 0) AS active,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'initiative' AND s.status = 'in_progress'), 0) AS initiatives_in_progress,
       coalesce(sum(s.n) FILTER (WHERE s.entity = 'activity' AND s.status = 'completed'), 0) AS activities_completed,
       coalesce(round(sum(s.progress_sum) FILTER (WHERE s.entity = 'objective' AND s.status <> 'cancelled')
                      / nullif(sum(s.n) FILTER (WHERE s.entity = 'objective' AND s.status <> 'cancelled'), 0)), 0) AS overall_progress,
       (SELECT count(*) FROM memberships AS m WHERE m.org_id = $1 AND m.removed_at IS NULL) AS members,
       least((SELECT o.end_date FROM objectives AS o
              WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status = 'draft' AND o.end_date >= $2
                AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
              ORDER BY o.end_date LIMIT 1),
             (SELECT o.end_date FROM objectives AS o
              WHERE o.org_id = $1 AND o.archived_at IS NULL AND o.status = 'in_progress' AND o.end_date >= $2
                AND ($3::uuid IS NULL OR o.period_id = $3::uuid)
              ORDER BY o.end_date LIMIT 1)) - $2::date AS days_to_deadline
FROM area_stats AS s
WHERE s.org_id = $1 AND ($3::uuid IS NULL OR s.period_id = $3::uuid);

-- name: dashboard-recent
-- "Objetivos recientes": the live objectives of period $2 (NULL: all) created or updated last.
SELECT o.id, o.title, o.status, o.progress, o.end_date, o.updated_at,
       coalesce(m.name, '') AS owner_name,
       coalesce(a.name, '') AS area_name,
       coalesce(a.color, '') AS area_color
FROM objectives AS o
LEFT JOIN memberships AS m ON m.org_id = o.org_id AND m.user_id = o.owner_id
LEFT JOIN areas AS a ON a.org_id = o.org_id AND a.id = o.area_id
WHERE o.org_id = $1 AND o.archived_at IS NULL AND ($2::uuid IS NULL OR o.period_id = $2::uuid)
ORDER BY o.updated_at DESC, o.id DESC
LIMIT 6;

-- name: dashboard-my-activities
-- "Mis actividades pendientes": member $2's open activities of period $3 (NULL: all), soonest due first (no date last), with how many they have open in all (from member_stats).
SELECT x.id, x.title, x.status, x.priority, x.due_date, i.id AS initiative_id, i.title AS initiative_title,
       (SELECT coalesce(sum(s.n), 0) FROM member_stats AS s
         WHERE s.org_id = $1 AND s.member_id = $2 AND s.status IN ('todo', 'in_progress')
           AND ($3::uuid IS NULL OR s.period_id = $3::uuid)) AS open_total
FROM activities AS x
JOIN initiatives AS i ON i.org_id = x.org_id AND i.id = x.initiative_id
WHERE x.org_id = $1 AND x.assignee_id = $2 AND x.archived_at IS NULL AND x.status IN ('todo', 'in_progress')
  AND ($3::uuid IS NULL OR x.period_id = $3::uuid)
ORDER BY x.due_date NULLS LAST, x.id
LIMIT 8;

-- name: dashboard-my-open
-- How many open activities member $2 has in period $3 (NULL: all), for an empty list, which carries no count.
SELECT coalesce(sum(s.n), 0) FROM member_stats AS s
WHERE s.org_id = $1 AND s.member_id = $2 AND s.status IN ('todo', 'in_progress')
  AND ($3::uuid IS NULL OR s.period_id = $3::uuid);

-- name: dashboard-areas
-- "Progreso por área": per area (none = the zero uuid), the live objectives of period $2 (NULL: all), how many are completed and the mean progress of those not cancelled (rounded half up).
SELECT s.area_id::text AS area_id,
       coalesce(a.name, '') AS name,
       coalesce(a.color, '') AS color,
       sum(s.n) AS total,
       coalesce(sum(s.n) FILTER (WHERE s.status = 'completed'), 0) AS completed,
       coalesce(round(sum(s.progress_sum) FILTER (WHERE s.status <> 'cancelled')
                      / nullif(sum(s.n) FILTER (WHERE s.status <> 'cancelled'), 0)), 0) AS progress
FROM area_stats AS s
LEFT JOIN areas AS a ON a.org_id = s.org_id AND a.id = s.area_id
WHERE s.org_id = $1 AND s.entity = 'objective' AND ($2::uuid IS NULL OR s.period_id = $2::uuid)
GROUP BY s.area_id, a.name, a.color
HAVING sum(s.n) > 0
ORDER BY progress DESC, a.name NULLS LAST, s.area_id
LIMIT 50;

-- name: dashboard-period
-- The dates of period $2, for the trend's weeks.
SELECT name, start_date, end_date FROM periods WHERE org_id = $1 AND id = $2;

-- name: dashboard-progress-weeks
-- The weekly progress record of period $2 (NULL: all) for weeks $3 to $4, with each (period, area) series' latest record before $3 so values carry forward into the range.
(SELECT DISTINCT ON (w.period_id, w.area_id) w.period_id::text AS period_id, w.area_id::text AS area_id, w.week,
        w.n, w.progress_sum
 FROM progress_weeks AS w
 WHERE w.org_id = $1 AND ($2::uuid IS NULL OR w.period_id = $2::uuid) AND w.week < $3
 ORDER BY w.period_id, w.area_id, w.week DESC)
UNION ALL
(SELECT w.period_id::text, w.area_id::text, w.week, w.n, w.progress_sum
 FROM progress_weeks AS w
 WHERE w.org_id = $1 AND ($2::uuid IS NULL OR w.period_id = $2::uuid) AND w.week >= $3 AND w.week <= $4)
ORDER BY 3, 1, 2;

-- name: dashboard-completions-weeks
-- Objectives, initiatives and activities of period $2 (NULL: all) completed per week (Monday, organisation's time zone) from day $3 to day $4.
SELECT date_trunc('week', d.day)::date AS week,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'objective'), 0) AS objectives,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'initiative'), 0) AS initiatives,
       coalesce(sum(d.n) FILTER (WHERE d.entity = 'activity'), 0) AS activities
FROM completion_days AS d
WHERE d.org_id = $1 AND d.day >= $3 AND d.day <= $4 AND ($2::uuid IS NULL OR d.period_id = $2::uuid)
GROUP BY 1
ORDER BY 1;
