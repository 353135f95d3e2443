-- An archived objective or initiative keeps the progress it had: archiving
-- it archives its key results or activities too (00009), and without this
-- the progress rules of 00004 would then fall back to the manual value
-- (a completed initiative would read 0 % while archived). Restoring brings
-- the children back first-hand and the rules recompute as usual.
--
-- Also an index for the initiatives owner filter walked in end-date order
-- (the keyset pages of the list), like objectives have.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.refresh_objective_progress(p_orgs uuid[], p_objectives uuid[]) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    UPDATE rumbo.objectives AS o
    SET progress = coalesce(k.p, o.progress_manual)
    FROM unnest(p_orgs, p_objectives) AS c(org_id, objective_id)
    LEFT JOIN LATERAL (
        SELECT round(sum(kr.weight * kr.progress) / sum(kr.weight))::smallint AS p
        FROM rumbo.key_results AS kr
        WHERE kr.org_id = c.org_id AND kr.objective_id = c.objective_id AND kr.archived_at IS NULL
    ) AS k ON true
    WHERE o.org_id = c.org_id AND o.id = c.objective_id AND o.archived_at IS NULL
      AND o.progress IS DISTINCT FROM coalesce(k.p, o.progress_manual);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app.refresh_initiative_progress(p_orgs uuid[], p_initiatives uuid[]) RETURNS void
LANGUAGE sql SET search_path = '' AS $$
    UPDATE rumbo.initiatives AS i
    SET progress = coalesce(a.p, i.progress_manual)
    FROM unnest(p_orgs, p_initiatives) AS c(org_id, initiative_id)
    LEFT JOIN LATERAL (
        SELECT round(100.0 * count(*) FILTER (WHERE x.status = 'completed') / nullif(count(*), 0))::smallint AS p
        FROM rumbo.activities AS x
        WHERE x.org_id = c.org_id AND x.initiative_id = c.initiative_id
          AND x.archived_at IS NULL AND x.status <> 'cancelled'
    ) AS a ON true
    WHERE i.org_id = c.org_id AND i.id = c.initiative_id AND i.archived_at IS NULL
      AND i.progress IS DISTINCT FROM coalesce(a.p, i.progress_manual);
$$;
-- +goose StatementEnd

-- Objectives and initiatives archived before this migration got their
-- manual progress; give them back what their archived children say.
UPDATE rumbo.objectives AS o
SET progress = k.p
FROM (SELECT kr.org_id, kr.objective_id, round(sum(kr.weight * kr.progress) / sum(kr.weight))::smallint AS p
      FROM rumbo.key_results AS kr GROUP BY kr.org_id, kr.objective_id) AS k
WHERE o.archived_at IS NOT NULL AND k.org_id = o.org_id AND k.objective_id = o.id AND o.progress <> k.p;
UPDATE rumbo.initiatives AS i
SET progress = a.p
FROM (SELECT x.org_id, x.initiative_id,
             round(100.0 * count(*) FILTER (WHERE x.status = 'completed') / nullif(count(*), 0))::smallint AS p
      FROM rumbo.activities AS x WHERE x.status <> 'cancelled' GROUP BY x.org_id, x.initiative_id) AS a
WHERE i.archived_at IS NOT NULL AND a.p IS NOT NULL AND a.org_id = i.org_id AND a.initiative_id = i.id
  AND i.progress <> a.p;

CREATE INDEX initiatives_org_owner_end_idx ON rumbo.initiatives (org_id, owner_id, end_date, id)
    WHERE archived_at IS NULL;

-- +goose Down
DROP INDEX rumbo.initiatives_org_owner_end_idx;
