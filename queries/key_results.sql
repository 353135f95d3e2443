-- Key results and their check-ins (the append-only history of values).

-- name: key-result-for-edit
-- A key result with its objective's area (for the area rule), its owner's name and its version (archived ones too).
SELECT k.id, k.objective_id, o.title AS objective_title, coalesce(o.area_id::text, '') AS area, k.title, k.kind,
       k.direction, k.start_value::text AS start_value, k.target_value::text AS target_value,
       k.current_value::text AS current_value, k.unit, k.weight::text AS weight,
       coalesce(k.owner_id::text, '') AS owner, coalesce(m.name, '') AS owner_name, k.version, k.progress,
       k.archived_at IS NOT NULL AS archived, o.archived_at IS NOT NULL AS objective_archived
FROM key_results AS k
JOIN objectives AS o ON o.org_id = k.org_id AND o.id = k.objective_id
LEFT JOIN memberships AS m ON m.org_id = k.org_id AND m.user_id = k.owner_id
WHERE k.org_id = $1 AND k.id = $2;

-- name: key-result-create
-- A key result under objective $2 (composite foreign keys refuse another organisation's objective or owner).
INSERT INTO key_results (org_id, objective_id, title, kind, direction, start_value, target_value, current_value,
                         unit, weight, owner_id, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
        (SELECT coalesce(max(position), 0) + 1 FROM key_results WHERE org_id = $1 AND objective_id = $2))
RETURNING id;

-- name: key-result-update
-- Saves an edit made on version $3.
UPDATE key_results
SET title = $4, kind = $5, direction = $6, start_value = $7, target_value = $8, current_value = $9, unit = $10,
    weight = $11, owner_id = $12, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND version = $3 AND archived_at IS NULL;

-- name: key-result-exists
-- Whether a key result exists (to tell a stale edit from a missing row).
SELECT EXISTS (SELECT 1 FROM key_results WHERE org_id = $1 AND id = $2);

-- name: key-result-archive
-- Archives a live key result (the objective's progress leaves it out).
UPDATE key_results SET archived_at = now(), version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NULL;

-- name: key-result-restore
-- Restores an archived key result.
UPDATE key_results SET archived_at = NULL, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NOT NULL;

-- name: check-in-create
-- Records a value ($3) with its confidence and note, by the request's member.
INSERT INTO check_ins (org_id, key_result_id, value, confidence, note, author_id)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: key-result-set-current
-- Moves a key result to its latest checked-in value (progress follows: 00004).
UPDATE key_results SET current_value = $3, version = version + 1, updated_at = now()
WHERE org_id = $1 AND id = $2 AND archived_at IS NULL;

-- name: check-ins-for-objective
-- The latest five check-ins of each live key result of objective $2.
SELECT x.key_result_id, x.value::text AS value, x.confidence, x.note, x.created_at, x.author
FROM (
    SELECT c.key_result_id, c.value, c.confidence, c.note, c.created_at, coalesce(m.name, '') AS author,
           row_number() OVER (PARTITION BY c.key_result_id ORDER BY c.created_at DESC, c.id DESC) AS n
    FROM check_ins AS c
    JOIN key_results AS k ON k.org_id = c.org_id AND k.id = c.key_result_id
    LEFT JOIN memberships AS m ON m.org_id = c.org_id AND m.user_id = c.author_id
    WHERE c.org_id = $1 AND k.objective_id = $2 AND k.archived_at IS NULL
) AS x
WHERE x.n <= 5
ORDER BY x.key_result_id, x.created_at DESC;

-- name: check-ins-for-key-result
-- Every check-in of one key result, newest first.
SELECT c.value::text AS value, c.confidence, c.note, c.created_at, coalesce(m.name, '') AS author
FROM check_ins AS c
LEFT JOIN memberships AS m ON m.org_id = c.org_id AND m.user_id = c.author_id
WHERE c.org_id = $1 AND c.key_result_id = $2
ORDER BY c.created_at DESC, c.id DESC
LIMIT 200;
