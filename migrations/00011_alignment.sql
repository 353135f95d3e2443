-- Objectives align to a parent objective; the alignment must stay a tree.
-- The check walks the new parent's ancestors; an advisory lock per
-- organisation (transaction-scoped, so it works behind a pooler) makes two
-- concurrent re-alignments that would close a loop wait for each other,
-- and the second then sees the first.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION app.objective_alignment_is_a_tree() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('rumbo.objectives.tree:' || NEW.org_id::text, 0));
    IF EXISTS (
        WITH RECURSIVE up AS (
            SELECT o.id, o.parent_id, 1 AS depth FROM rumbo.objectives AS o
            WHERE o.org_id = NEW.org_id AND o.id = NEW.parent_id
            UNION ALL
            SELECT o.id, o.parent_id, up.depth + 1 FROM rumbo.objectives AS o
            JOIN up ON o.org_id = NEW.org_id AND o.id = up.parent_id
            WHERE up.depth < 1000
        )
        SELECT 1 FROM up WHERE up.id = NEW.id) THEN
        RAISE EXCEPTION 'an objective cannot be aligned with itself or one of its own sub-objectives'
            USING ERRCODE = '23514', CONSTRAINT = 'objectives_alignment_tree';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER objectives_alignment_tree BEFORE INSERT OR UPDATE OF parent_id ON rumbo.objectives
    FOR EACH ROW EXECUTE FUNCTION app.objective_alignment_is_a_tree();
