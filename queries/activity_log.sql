-- History and comments of an item: an objective, key result, initiative or
-- activity. $3 names the item's kind ('objective', 'key_result',
-- 'initiative', 'activity'); the CASE folds to one column at planning
-- time (custom plans), so the per-column indexes serve it.

-- name: history-for
-- The latest changes of one item ($2), newest first, with the actor's name and ids named ("(ya no existe)" for a deleted one).
SELECT c.id, c.created_at, coalesce(m.name, '') AS actor, c.field,
       coalesce(CASE WHEN c.field IN ('owner_id', 'assignee_id') THEN
                    (SELECT x.name FROM memberships AS x WHERE x.org_id = c.org_id AND x.user_id = c.old_value::uuid)
                WHEN c.field = 'area_id' THEN
                    (SELECT x.name FROM areas AS x WHERE x.org_id = c.org_id AND x.id = c.old_value::uuid)
                WHEN c.field = 'period_id' THEN
                    (SELECT x.name FROM periods AS x WHERE x.org_id = c.org_id AND x.id = c.old_value::uuid)
                WHEN c.field IN ('parent_id', 'objective_id') THEN
                    (SELECT x.title FROM objectives AS x WHERE x.org_id = c.org_id AND x.id = c.old_value::uuid)
                WHEN c.field = 'initiative_id' THEN
                    (SELECT x.title FROM initiatives AS x WHERE x.org_id = c.org_id AND x.id = c.old_value::uuid)
                END,
                CASE WHEN c.field IN ('owner_id', 'assignee_id', 'area_id', 'period_id', 'parent_id', 'objective_id',
                                      'initiative_id') AND c.old_value IS NOT NULL THEN '(ya no existe)' END,
                c.old_value, '') AS old_value,
       coalesce(CASE WHEN c.field IN ('owner_id', 'assignee_id') THEN
                    (SELECT x.name FROM memberships AS x WHERE x.org_id = c.org_id AND x.user_id = c.new_value::uuid)
                WHEN c.field = 'area_id' THEN
                    (SELECT x.name FROM areas AS x WHERE x.org_id = c.org_id AND x.id = c.new_value::uuid)
                WHEN c.field = 'period_id' THEN
                    (SELECT x.name FROM periods AS x WHERE x.org_id = c.org_id AND x.id = c.new_value::uuid)
                WHEN c.field IN ('parent_id', 'objective_id') THEN
                    (SELECT x.title FROM objectives AS x WHERE x.org_id = c.org_id AND x.id = c.new_value::uuid)
                WHEN c.field = 'initiative_id' THEN
                    (SELECT x.title FROM initiatives AS x WHERE x.org_id = c.org_id AND x.id = c.new_value::uuid)
                END,
                CASE WHEN c.field IN ('owner_id', 'assignee_id', 'area_id', 'period_id', 'parent_id', 'objective_id',
                                      'initiative_id') AND c.new_value IS NOT NULL THEN '(ya no existe)' END,
                c.new_value, '') AS new_value
FROM changes AS c
LEFT JOIN memberships AS m ON m.org_id = c.org_id AND m.user_id = c.actor_id
WHERE c.org_id = $1
  AND CASE $3 WHEN 'objective' THEN c.objective_id WHEN 'key_result' THEN c.key_result_id
              WHEN 'initiative' THEN c.initiative_id WHEN 'activity' THEN c.activity_id END = $2
ORDER BY c.created_at DESC, c.id DESC
LIMIT 50;

-- name: comments-for
-- The comments of one item ($2), oldest first, with their authors.
SELECT c.id, c.body, c.created_at, c.updated_at, coalesce(c.author_id::text, '') AS author_id,
       coalesce(m.name, '') AS author
FROM comments AS c
LEFT JOIN memberships AS m ON m.org_id = c.org_id AND m.user_id = c.author_id
WHERE c.org_id = $1
  AND CASE $3 WHEN 'objective' THEN c.objective_id WHEN 'key_result' THEN c.key_result_id
              WHEN 'initiative' THEN c.initiative_id WHEN 'activity' THEN c.activity_id END = $2
ORDER BY c.created_at, c.id
LIMIT 200;

-- name: comment-create
-- A comment on one item: exactly one of $2..$5 is set (the composite foreign keys refuse another organisation's item).
INSERT INTO comments (org_id, objective_id, key_result_id, initiative_id, activity_id, author_id, body)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: comment-by-id
-- One comment with the kind and id of its item, for editing and deleting.
SELECT c.id, c.body, coalesce(c.author_id::text, '') AS author_id,
       CASE WHEN c.objective_id IS NOT NULL THEN 'objective' WHEN c.key_result_id IS NOT NULL THEN 'key_result'
            WHEN c.initiative_id IS NOT NULL THEN 'initiative' ELSE 'activity' END AS kind,
       coalesce(c.objective_id, c.key_result_id, c.initiative_id, c.activity_id) AS item_id
FROM comments AS c
WHERE c.org_id = $1 AND c.id = $2;

-- name: comment-update
-- Edits a comment's text (the handler checks the author).
UPDATE comments SET body = $3, updated_at = now() WHERE org_id = $1 AND id = $2;

-- name: comment-delete
-- Deletes a comment (the handler checks author or corporativo).
DELETE FROM comments WHERE org_id = $1 AND id = $2;
