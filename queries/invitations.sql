-- Invitations. The management page (stats, table, invite, resend, revoke)
-- runs as rumbo_app under RLS in the request transaction; a gerente's
-- queries pass $2 = true and their area as $3, and see only that area's
-- invitations. Looking an invitation up by its token and accepting it go
-- through the SECURITY DEFINER functions of migrations/00007_invitations.sql.
-- A pending invitation whose expires_at has passed counts as expired
-- everywhere, whatever its row still says.

-- name: invitations-stats
-- How many invitations of the organisation ($1; only area $3 when $2) are in each state.
SELECT count(*) AS total,
       count(*) FILTER (WHERE status = 'pending' AND expires_at > now()) AS pending,
       count(*) FILTER (WHERE status = 'accepted') AS accepted,
       count(*) FILTER (WHERE status = 'expired' OR (status = 'pending' AND expires_at <= now())) AS expired,
       count(*) FILTER (WHERE status = 'revoked') AS revoked
FROM invitations
WHERE org_id = $1 AND (NOT $2::boolean OR area_id = $3::uuid);

-- name: invitations-list
-- One page of the table, newest first: e-mail LIKE pattern $4 ('' for all), state $5 ('' for all), $6 rows after $7; dates in time zone $8; total = rows matching.
SELECT i.id, i.email, i.role, coalesce(a.name, '') AS area_name, x.state,
       (i.expires_at AT TIME ZONE $8)::date AS expires_on,
       (i.accepted_at AT TIME ZONE $8)::date AS accepted_on,
       (i.revoked_at AT TIME ZONE $8)::date AS revoked_on,
       coalesce(m.name, '') AS inviter_name,
       count(*) OVER () AS total
FROM invitations AS i
CROSS JOIN LATERAL (
    SELECT CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS state
) AS x
LEFT JOIN areas AS a ON a.org_id = i.org_id AND a.id = i.area_id
LEFT JOIN memberships AS m ON m.org_id = i.org_id AND m.user_id = i.invited_by
WHERE i.org_id = $1 AND (NOT $2::boolean OR i.area_id = $3::uuid)
  AND ($4::text = '' OR i.email LIKE $4)
  AND ($5::text = '' OR x.state = $5)
ORDER BY i.created_at DESC, i.id
LIMIT $6 OFFSET $7;

-- name: invitations-prepare
-- Marks the organisation's lapsed pending invitations expired (freeing the one-pending-per-e-mail slot), and says for each e-mail of $2 whether it is a current member's and which pending invitation it has.
WITH lapsed AS (
    UPDATE invitations SET status = 'expired'
    WHERE org_id = $1 AND status = 'pending' AND expires_at <= now()
)
SELECT e.email,
       EXISTS (SELECT 1 FROM memberships AS m
               WHERE m.org_id = $1 AND m.email = e.email AND m.removed_at IS NULL) AS member,
       p.id AS pending_id, p.role AS pending_role, p.area_id AS pending_area
FROM unnest($2::text[]) WITH ORDINALITY AS e(email, n)
LEFT JOIN invitations AS p
       ON p.org_id = $1 AND p.email = e.email AND p.status = 'pending' AND p.expires_at > now()
ORDER BY e.n;

-- name: invitations-create
-- New invitations for the e-mails $5 with token hashes $6 (same order), role $2, area $3, invited by $4, expiring after $7, with the area's name for the e-mail; an e-mail that meanwhile got a pending invitation is skipped.
WITH created AS (
    INSERT INTO invitations (org_id, email, role, area_id, token_hash, invited_by, expires_at)
    SELECT $1, e.email, $2, $3::uuid, e.token_hash, $4, now() + $7::interval
    FROM unnest($5::text[], $6::bytea[]) AS e(email, token_hash)
    ON CONFLICT (org_id, email) WHERE status = 'pending' DO NOTHING
    RETURNING id, email, expires_at
)
SELECT c.id, c.email, c.expires_at, coalesce(a.name, '') AS area_name
FROM created AS c
LEFT JOIN areas AS a ON a.org_id = $1 AND a.id = $3::uuid;

-- name: invitation-lock
-- One invitation ($2) of the organisation, locked for a resend or revoke, with its state (no row: unknown, or another organisation's).
SELECT i.id, i.email, i.role, i.area_id, coalesce(a.name, '') AS area_name,
       CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS state
FROM invitations AS i
LEFT JOIN areas AS a ON a.org_id = i.org_id AND a.id = i.area_id
WHERE i.org_id = $1 AND i.id = $2
FOR UPDATE OF i;

-- name: invitation-renew
-- A resend: pending invitation $2 gets the new token hash $3 (the old link stops working) and expires $4 from now.
UPDATE invitations SET token_hash = $3, expires_at = now() + $4::interval
WHERE org_id = $1 AND id = $2 AND status = 'pending'
RETURNING expires_at;

-- name: invitation-revoke
-- Revokes pending invitation $2: its link stops working.
UPDATE invitations SET status = 'revoked', revoked_at = now()
WHERE org_id = $1 AND id = $2 AND status = 'pending';

-- name: invitation-by-token
-- What an invitation link ($1 token hash) shows, and the e-mail of the visitor's own session $2 (NULL: signed out); no row: unknown token.
SELECT state, email, role, org_name, org_timezone, coalesce(area_name, '') AS area_name,
       coalesce(inviter_name, '') AS inviter_name, expires_at, accepted_at, viewer_email
FROM app.invitation_by_token($1, $2);

-- name: invitation-accept
-- Accepts the invitation with token hash $2 for the user of session $1; outcome says what happened.
SELECT outcome, org, org_name, invited_email FROM app.accept_invitation($1, $2);
