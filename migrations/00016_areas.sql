-- The area tree stays a tree, and a live area never hangs from an archived
-- one, whatever path writes (forms, loaders, concurrent requests):
--   * a parent cannot be the area itself or one of its own sub-areas
--     (self-parenting is also refused by the table's CHECK);
--   * a live area's parent is live: creating, moving or restoring an area
--     under an archived one is refused, and so is archiving an area that
--     still has live sub-areas (the handlers archive a whole subtree in one
--     statement, which passes: the check runs after the statement).
-- The checks run AFTER each row, when the statement's other rows are in
-- place, and first lock the organisation's row (FOR NO KEY UPDATE, like
-- app.keep_a_corporativo: it does not block the key-share locks of foreign
-- key checks, and unlike an advisory lock it takes no slot in the shared
-- lock table, so a loader touching a thousand organisations in one
-- transaction is fine). So two concurrent changes that would each be fine
-- alone but close a loop together (A under B and B under A), or that archive
-- a parent while another hangs a child from it, wait for each other; the
-- second then reads with a fresh snapshot (plpgsql statements get one under
-- READ COMMITTED, which request transactions use) and sees the first's
-- commit. Under SERIALIZABLE the same skew is caught by SSI instead. The
-- lock is transaction-scoped, so it works behind a transaction-mode pooler;
-- rumbo_app may take it thanks to its column-level UPDATE grant on
-- organizations (00008).
-- Refusals are 23514 (check_violation) with a constraint name, so the
-- handlers' savepoint (r.attempt) catches them and can tell them apart.
-- The function is not SECURITY DEFINER: it runs as the writer, so RLS
-- limits its reads to the writer's own organisation.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION app.areas_tree_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    PERFORM 1 FROM rumbo.organizations AS o WHERE o.id = NEW.org_id FOR NO KEY UPDATE;
    IF NEW.archived_at IS NULL AND NEW.parent_id IS NOT NULL THEN
        -- UNION (not UNION ALL) ends the walk even on a loop that predates
        -- this check.
        IF EXISTS (
            WITH RECURSIVE up AS (
                SELECT a.id, a.parent_id FROM rumbo.areas AS a
                WHERE a.org_id = NEW.org_id AND a.id = NEW.parent_id
                UNION
                SELECT a.id, a.parent_id FROM rumbo.areas AS a
                JOIN up ON a.org_id = NEW.org_id AND a.id = up.parent_id
            )
            SELECT 1 FROM up WHERE up.id = NEW.id) THEN
            RAISE EXCEPTION 'an area cannot hang from itself or from one of its own sub-areas'
                USING ERRCODE = '23514', CONSTRAINT = 'areas_tree_no_cycle';
        END IF;
        IF EXISTS (SELECT 1 FROM rumbo.areas AS a
                   WHERE a.org_id = NEW.org_id AND a.id = NEW.parent_id AND a.archived_at IS NOT NULL) THEN
            RAISE EXCEPTION 'a live area cannot hang from an archived one'
                USING ERRCODE = '23514', CONSTRAINT = 'areas_tree_live_parent';
        END IF;
    END IF;
    IF NEW.archived_at IS NOT NULL AND EXISTS (
        SELECT 1 FROM rumbo.areas AS a
        WHERE a.org_id = NEW.org_id AND a.parent_id = NEW.id AND a.archived_at IS NULL) THEN
        RAISE EXCEPTION 'an archived area cannot keep live sub-areas'
            USING ERRCODE = '23514', CONSTRAINT = 'areas_tree_live_children';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Only the changes that can break the rules fire it: a new area with a
-- parent, a move, an archive or a restore. Renames and colour changes do
-- not take the lock.
CREATE TRIGGER areas_tree_check_ins AFTER INSERT ON rumbo.areas
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL)
    EXECUTE FUNCTION app.areas_tree_check();
CREATE TRIGGER areas_tree_check_upd AFTER UPDATE OF parent_id, archived_at ON rumbo.areas
    FOR EACH ROW
    WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id
          OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
    EXECUTE FUNCTION app.areas_tree_check();

-- Codes are compared as people read them: "ven" and "VEN" are the same
-- code (each is stored as typed). Before this migration only the demo and
-- seed loaders wrote areas, all with distinct capital codes, so building the
-- index cannot fail on existing data.
CREATE UNIQUE INDEX areas_org_code_ci_key ON rumbo.areas (org_id, upper(code));

-- +goose Down
DROP INDEX rumbo.areas_org_code_ci_key;
DROP TRIGGER areas_tree_check_upd ON rumbo.areas;
DROP TRIGGER areas_tree_check_ins ON rumbo.areas;
DROP FUNCTION app.areas_tree_check();
