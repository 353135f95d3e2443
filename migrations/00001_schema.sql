-- The whole domain schema. Every table that holds an organisation's data has
-- org_id first in its primary key, in every foreign key to another org table
-- and in every unique constraint, so a row can never point into another
-- organisation (foreign-key checks bypass RLS: the composite keys are the
-- real defence). Row Level Security and grants follow in 00002.

-- +goose Up
CREATE TABLE rumbo.organizations (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 120),
    slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 63),
    timezone          text NOT NULL DEFAULT 'UTC' CHECK (timezone <> ''),
    locale            text NOT NULL DEFAULT 'es' CHECK (locale IN ('es', 'en')),
    currency          text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    fiscal_year_start smallint NOT NULL DEFAULT 1 CHECK (fiscal_year_start BETWEEN 1 AND 12),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Global identities. The app role never reads this table: names and e-mails
-- that pages show are copied into memberships.
CREATE TABLE rumbo.users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    name          text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 120),
    password_hash text NOT NULL,
    last_org_id   uuid REFERENCES rumbo.organizations (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON rumbo.users (email);

-- Server-side sessions. Only the hash of the cookie's token is stored.
CREATE TABLE rumbo.sessions (
    token_hash     bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id        uuid NOT NULL REFERENCES rumbo.users (id) ON DELETE CASCADE,
    current_org_id uuid REFERENCES rumbo.organizations (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    idle_timeout   interval NOT NULL,
    user_agent     text NOT NULL DEFAULT '',
    client_ip      text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON rumbo.sessions (user_id);

-- Login throttling, per account and per client address (key = 'email:...' or 'ip:...').
CREATE TABLE rumbo.login_attempts (
    key             text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    last_failure_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rumbo.password_resets (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES rumbo.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE TABLE rumbo.memberships (
    org_id         uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES rumbo.users (id) ON DELETE CASCADE,
    role           text NOT NULL CHECK (role IN ('corporativo', 'gerente', 'empleado')),
    name           text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 120),
    email          text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    area_id        uuid,
    manager_id     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_active_at timestamptz,
    removed_at     timestamptz,
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, manager_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (manager_id),
    CHECK (manager_id <> user_id)
);
CREATE INDEX memberships_org_area_idx ON rumbo.memberships (org_id, area_id);

CREATE TABLE rumbo.areas (
    org_id      uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 120),
    code        text CHECK (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    parent_id   uuid,
    manager_id  uuid,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'planning')),
    color       text NOT NULL DEFAULT '#6B7280' CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, code),
    FOREIGN KEY (org_id, parent_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (parent_id),
    FOREIGN KEY (org_id, manager_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (manager_id),
    CHECK (parent_id <> id)
);
CREATE INDEX areas_org_parent_idx ON rumbo.areas (org_id, parent_id);
CREATE INDEX areas_org_manager_idx ON rumbo.areas (org_id, manager_id);
ALTER TABLE rumbo.memberships
    ADD FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (area_id);

CREATE TABLE rumbo.periods (
    org_id      uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 60),
    start_date  date NOT NULL,
    end_date    date NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name),
    CHECK (end_date >= start_date)
);

CREATE TABLE rumbo.objectives (
    org_id          uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    title           text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    owner_id        uuid,
    area_id         uuid,
    period_id       uuid,
    parent_id       uuid,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_progress', 'completed', 'cancelled')),
    priority        text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    start_date      date NOT NULL,
    end_date        date NOT NULL,
    -- progress is derived from the key results (00004); progress_manual is
    -- what a person set for an objective that has none.
    progress        smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_manual smallint NOT NULL DEFAULT 0 CHECK (progress_manual BETWEEN 0 AND 100),
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, owner_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (org_id, created_by) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (area_id),
    FOREIGN KEY (org_id, period_id) REFERENCES rumbo.periods (org_id, id) ON DELETE SET NULL (period_id),
    FOREIGN KEY (org_id, parent_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE SET NULL (parent_id),
    CHECK (end_date >= start_date),
    CHECK (parent_id <> id)
);
-- Keyset pagination: one index per whitelisted sort, over live rows only.
CREATE INDEX objectives_org_end_idx ON rumbo.objectives (org_id, end_date, id) WHERE archived_at IS NULL;
CREATE INDEX objectives_org_title_idx ON rumbo.objectives (org_id, lower(title), id) WHERE archived_at IS NULL;
CREATE INDEX objectives_org_progress_idx ON rumbo.objectives (org_id, progress, id) WHERE archived_at IS NULL;
CREATE INDEX objectives_org_created_idx ON rumbo.objectives (org_id, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX objectives_org_status_end_idx ON rumbo.objectives (org_id, status, end_date, id) WHERE archived_at IS NULL;
CREATE INDEX objectives_org_owner_idx ON rumbo.objectives (org_id, owner_id, end_date, id);
CREATE INDEX objectives_org_area_idx ON rumbo.objectives (org_id, area_id, end_date, id);
CREATE INDEX objectives_org_period_idx ON rumbo.objectives (org_id, period_id, end_date, id);
CREATE INDEX objectives_org_parent_idx ON rumbo.objectives (org_id, parent_id);
CREATE INDEX objectives_org_creator_idx ON rumbo.objectives (org_id, created_by);

CREATE TABLE rumbo.key_results (
    org_id        uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    objective_id  uuid NOT NULL,
    title         text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    kind          text NOT NULL DEFAULT 'number' CHECK (kind IN ('number', 'percent', 'currency', 'boolean', 'milestone')),
    direction     text NOT NULL DEFAULT 'increase' CHECK (direction IN ('increase', 'decrease')),
    start_value   numeric(16, 2) NOT NULL DEFAULT 0,
    target_value  numeric(16, 2) NOT NULL,
    current_value numeric(16, 2) NOT NULL DEFAULT 0,
    unit          text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
    weight        numeric(6, 2) NOT NULL DEFAULT 1 CHECK (weight > 0),
    owner_id      uuid,
    position      integer NOT NULL DEFAULT 0,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, owner_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (owner_id),
    -- A decreasing key result aims below its start, an increasing one above.
    CHECK ((direction = 'increase' AND target_value >= start_value)
        OR (direction = 'decrease' AND target_value <= start_value))
);
CREATE INDEX key_results_org_objective_idx ON rumbo.key_results (org_id, objective_id, position);
CREATE INDEX key_results_org_owner_idx ON rumbo.key_results (org_id, owner_id);

-- Append-only history of a key result's values.
CREATE TABLE rumbo.check_ins (
    org_id        uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    key_result_id uuid NOT NULL,
    value         numeric(16, 2) NOT NULL,
    confidence    smallint CHECK (confidence BETWEEN 0 AND 10),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    author_id     uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, key_result_id) REFERENCES rumbo.key_results (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, author_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (author_id)
);
CREATE INDEX check_ins_org_kr_idx ON rumbo.check_ins (org_id, key_result_id, created_at);
CREATE INDEX check_ins_org_author_idx ON rumbo.check_ins (org_id, author_id);

CREATE TABLE rumbo.initiatives (
    org_id          uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    objective_id    uuid NOT NULL,
    title           text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    owner_id        uuid,
    status          text NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'in_progress', 'completed', 'cancelled')),
    priority        text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    start_date      date NOT NULL,
    end_date        date NOT NULL,
    -- progress is derived from the activities (00004), else progress_manual.
    progress        smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_manual smallint NOT NULL DEFAULT 0 CHECK (progress_manual BETWEEN 0 AND 100),
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, owner_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (org_id, created_by) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (created_by),
    CHECK (end_date >= start_date)
);
CREATE INDEX initiatives_org_end_idx ON rumbo.initiatives (org_id, end_date, id) WHERE archived_at IS NULL;
CREATE INDEX initiatives_org_objective_idx ON rumbo.initiatives (org_id, objective_id);
CREATE INDEX initiatives_org_owner_idx ON rumbo.initiatives (org_id, owner_id);
CREATE INDEX initiatives_org_creator_idx ON rumbo.initiatives (org_id, created_by);

CREATE TABLE rumbo.activities (
    org_id          uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    initiative_id   uuid NOT NULL,
    title           text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    assignee_id     uuid,
    status          text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'completed', 'cancelled')),
    priority        text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    start_date      date,
    due_date        date,
    completed_at    timestamptz,
    estimated_hours numeric(6, 2) CHECK (estimated_hours >= 0),
    actual_hours    numeric(6, 2) CHECK (actual_hours >= 0),
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, initiative_id) REFERENCES rumbo.initiatives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, assignee_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (assignee_id),
    FOREIGN KEY (org_id, created_by) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (created_by),
    CHECK (due_date >= start_date),
    -- completed_at is set exactly when the activity is completed.
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX activities_org_due_idx ON rumbo.activities (org_id, due_date, id) WHERE archived_at IS NULL;
CREATE INDEX activities_org_initiative_idx ON rumbo.activities (org_id, initiative_id);
CREATE INDEX activities_org_assignee_idx ON rumbo.activities (org_id, assignee_id);
CREATE INDEX activities_org_creator_idx ON rumbo.activities (org_id, created_by);

-- Comments and change history point at exactly one item through real,
-- org-including foreign keys (no untyped entity_id).
CREATE TABLE rumbo.comments (
    org_id        uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    objective_id  uuid,
    key_result_id uuid,
    initiative_id uuid,
    activity_id   uuid,
    author_id     uuid,
    body          text NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 5000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, key_result_id) REFERENCES rumbo.key_results (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, initiative_id) REFERENCES rumbo.initiatives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, activity_id) REFERENCES rumbo.activities (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, author_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (author_id),
    CHECK (num_nonnulls(objective_id, key_result_id, initiative_id, activity_id) = 1)
);
CREATE INDEX comments_org_objective_idx ON rumbo.comments (org_id, objective_id, created_at);
CREATE INDEX comments_org_kr_idx ON rumbo.comments (org_id, key_result_id, created_at);
CREATE INDEX comments_org_initiative_idx ON rumbo.comments (org_id, initiative_id, created_at);
CREATE INDEX comments_org_activity_idx ON rumbo.comments (org_id, activity_id, created_at);
CREATE INDEX comments_org_author_idx ON rumbo.comments (org_id, author_id);

CREATE TABLE rumbo.changes (
    org_id        uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    objective_id  uuid,
    key_result_id uuid,
    initiative_id uuid,
    activity_id   uuid,
    actor_id      uuid,
    field         text NOT NULL,
    old_value     text,
    new_value     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, objective_id) REFERENCES rumbo.objectives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, key_result_id) REFERENCES rumbo.key_results (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, initiative_id) REFERENCES rumbo.initiatives (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, activity_id) REFERENCES rumbo.activities (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, actor_id) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (actor_id),
    CHECK (num_nonnulls(objective_id, key_result_id, initiative_id, activity_id) = 1)
);
CREATE INDEX changes_org_objective_idx ON rumbo.changes (org_id, objective_id, created_at);
CREATE INDEX changes_org_kr_idx ON rumbo.changes (org_id, key_result_id, created_at);
CREATE INDEX changes_org_initiative_idx ON rumbo.changes (org_id, initiative_id, created_at);
CREATE INDEX changes_org_activity_idx ON rumbo.changes (org_id, activity_id, created_at);
CREATE INDEX changes_org_actor_idx ON rumbo.changes (org_id, actor_id);

CREATE TABLE rumbo.invitations (
    org_id      uuid NOT NULL REFERENCES rumbo.organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    email       text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    role        text NOT NULL DEFAULT 'empleado' CHECK (role IN ('corporativo', 'gerente', 'empleado')),
    area_id     uuid,
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    invited_by  uuid,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'expired', 'revoked')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    revoked_at  timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, area_id) REFERENCES rumbo.areas (org_id, id) ON DELETE SET NULL (area_id),
    FOREIGN KEY (org_id, invited_by) REFERENCES rumbo.memberships (org_id, user_id) ON DELETE SET NULL (invited_by)
);
-- The one index that does not lead with org_id (DESIGN rule 8): the lookup of
-- an invitation by its secret before any membership exists, used only inside
-- a SECURITY DEFINER function.
CREATE UNIQUE INDEX invitations_token_hash_key ON rumbo.invitations (token_hash);
-- One pending invitation per e-mail and organisation at a time.
CREATE UNIQUE INDEX invitations_org_pending_email_key ON rumbo.invitations (org_id, email) WHERE status = 'pending';
CREATE INDEX invitations_org_status_idx ON rumbo.invitations (org_id, status, created_at);
CREATE INDEX invitations_org_area_idx ON rumbo.invitations (org_id, area_id);
CREATE INDEX invitations_org_inviter_idx ON rumbo.invitations (org_id, invited_by);

-- +goose Down
DROP TABLE rumbo.invitations, rumbo.changes, rumbo.comments, rumbo.activities, rumbo.initiatives,
    rumbo.check_ins, rumbo.key_results, rumbo.objectives, rumbo.periods, rumbo.areas, rumbo.memberships,
    rumbo.password_resets, rumbo.login_attempts, rumbo.sessions, rumbo.users, rumbo.organizations CASCADE;
