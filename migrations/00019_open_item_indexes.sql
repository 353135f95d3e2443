-- The insight rules walk the open objectives and initiatives by end date
-- (pace, stale key results, stalled initiatives, this month's overdue
-- clusters, forecast candidates). 00014's objectives index lacked the id,
-- area and owner those rules read, so each visit went to the heap (pace:
-- a bitmap heap scan of 1,100 pages in the big organisation), and open
-- initiatives had no such index at all. With every column a rule reads
-- included, the rules read these indexes only, up to the few rows shown.

-- +goose Up
DROP INDEX rumbo.objectives_org_open_end_idx;
CREATE INDEX objectives_org_open_end_idx ON rumbo.objectives (org_id, end_date)
    INCLUDE (id, start_date, progress, status, period_id, area_id, owner_id)
    WHERE archived_at IS NULL AND status IN ('draft', 'in_progress');
CREATE INDEX initiatives_org_open_end_idx ON rumbo.initiatives (org_id, end_date)
    INCLUDE (id, start_date, status, period_id, area_id, owner_id)
    WHERE archived_at IS NULL AND status IN ('planning', 'in_progress');

-- +goose Down
DROP INDEX rumbo.initiatives_org_open_end_idx;
DROP INDEX rumbo.objectives_org_open_end_idx;
CREATE INDEX objectives_org_open_end_idx ON rumbo.objectives (org_id, end_date)
    INCLUDE (start_date, progress, status, period_id)
    WHERE archived_at IS NULL AND status IN ('draft', 'in_progress');
