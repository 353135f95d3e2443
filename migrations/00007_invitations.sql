-- Invitations by link. Looking an invitation up by its secret token and
-- accepting it happen before the invited person belongs to the
-- organisation, so they go through these two SECURITY DEFINER functions
-- (DESIGN.md rule 10), the only users of the token_hash index (rule 8).
-- Listing, inviting, resending and revoking run as rumbo_app under RLS in
-- the request transaction (queries/invitations.sql).
--
-- An invitation whose expires_at has passed is expired even while its row
-- still says pending: both functions (and the management queries) derive
-- the state, so no scheduled job is needed to keep it true.

-- +goose Up

-- What the invitation link shows: the invitation's state ('pending',
-- 'accepted', 'expired' or 'revoked'), the invited e-mail, role,
-- organisation, area, who invited and when it expires; no row for an
-- unknown token (or one replaced by a resend). The token is 256 random
-- bits, so only the person who received the link can ask. viewer_email is
-- the e-mail of the caller's own session (NULL when signed out), so the
-- page can say whether the signed-in account is the invited one. Reads
-- only: it works in READ ONLY transactions.
-- +goose StatementBegin
CREATE FUNCTION app.invitation_by_token(p_token_hash bytea, p_session_hash bytea)
RETURNS TABLE (
    state        text,
    email        text,
    role         text,
    org_name     text,
    org_timezone text,
    area_name    text,
    inviter_name text,
    expires_at   timestamptz,
    accepted_at  timestamptz,
    viewer_email text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END,
           i.email, i.role, o.name, o.timezone, a.name, m.name, i.expires_at, i.accepted_at,
           (SELECT u.email FROM rumbo.sessions AS s JOIN rumbo.users AS u ON u.id = s.user_id
            WHERE s.token_hash = p_session_hash AND s.expires_at > now()
              AND s.last_seen_at + s.idle_timeout > now())
    FROM rumbo.invitations AS i
    JOIN rumbo.organizations AS o ON o.id = i.org_id
    LEFT JOIN rumbo.areas AS a ON a.org_id = i.org_id AND a.id = i.area_id
    LEFT JOIN rumbo.memberships AS m ON m.org_id = i.org_id AND m.user_id = i.invited_by
    WHERE i.token_hash = p_token_hash;
$$;
-- +goose StatementEnd

-- Accepts an invitation for the user of a session, all in the caller's
-- transaction. It acts only for that session's own user, and only when the
-- invitation is pending, unexpired and addressed to that user's e-mail
-- (both are stored in lower case). Then the user becomes a member of the
-- invitation's organisation with its role and area (a removed member is
-- let back in; a current member keeps their role), the invitation is marked
-- accepted, and the session and the user's last organisation switch to it.
-- The invitation row is locked first, so of two simultaneous accepts the
-- second finds it accepted ('used'); the membership primary key covers any
-- other race. outcome is one of:
--   accepted        joined the organisation
--   already_member  was already a member (nothing changed but the invitation and the session)
--   mismatch        the invitation is for invited_email, not for this account (nothing written)
--   used, revoked   the invitation is no longer pending (nothing written)
--   expired         it lapsed (its row is marked expired)
--   unknown         no invitation has this token
--   no_session      the session does not exist or expired
-- +goose StatementBegin
CREATE FUNCTION app.accept_invitation(p_session_hash bytea, p_token_hash bytea)
RETURNS TABLE (outcome text, org uuid, org_name text, invited_email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    v_user rumbo.users%ROWTYPE;
    v_inv  rumbo.invitations%ROWTYPE;
    v_in   boolean;
BEGIN
    SELECT u.* INTO v_user FROM rumbo.sessions AS s JOIN rumbo.users AS u ON u.id = s.user_id
    WHERE s.token_hash = p_session_hash AND s.expires_at > now() AND s.last_seen_at + s.idle_timeout > now();
    IF NOT FOUND THEN
        outcome := 'no_session';
        RETURN NEXT;
        RETURN;
    END IF;

    SELECT i.* INTO v_inv FROM rumbo.invitations AS i WHERE i.token_hash = p_token_hash FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'unknown';
        RETURN NEXT;
        RETURN;
    END IF;
    org := v_inv.org_id;
    invited_email := v_inv.email;
    SELECT o.name INTO org_name FROM rumbo.organizations AS o WHERE o.id = v_inv.org_id;

    IF v_inv.status = 'accepted' THEN
        outcome := 'used';
    ELSIF v_inv.status = 'revoked' THEN
        outcome := 'revoked';
    ELSIF v_inv.status = 'expired' OR v_inv.expires_at <= now() THEN
        UPDATE rumbo.invitations AS i SET status = 'expired'
        WHERE i.org_id = v_inv.org_id AND i.id = v_inv.id AND i.status = 'pending';
        outcome := 'expired';
    ELSIF v_user.email <> lower(v_inv.email) THEN
        outcome := 'mismatch';
    ELSE
        INSERT INTO rumbo.memberships AS m (org_id, user_id, role, area_id, name, email)
        VALUES (v_inv.org_id, v_user.id, v_inv.role, v_inv.area_id, v_user.name, v_user.email)
        ON CONFLICT (org_id, user_id) DO UPDATE
            SET role = excluded.role, area_id = excluded.area_id, name = excluded.name, email = excluded.email,
                manager_id = NULL, removed_at = NULL, role_changed_at = now()
            WHERE m.removed_at IS NOT NULL
        RETURNING true INTO v_in;
        outcome := CASE WHEN v_in THEN 'accepted' ELSE 'already_member' END;
        UPDATE rumbo.invitations AS i SET status = 'accepted', accepted_at = now()
        WHERE i.org_id = v_inv.org_id AND i.id = v_inv.id;
        UPDATE rumbo.sessions AS s SET current_org_id = v_inv.org_id WHERE s.token_hash = p_session_hash;
        UPDATE rumbo.users AS u SET last_org_id = v_inv.org_id WHERE u.id = v_user.id;
    END IF;
    RETURN NEXT;
END $$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION app.invitation_by_token(bytea, bytea), app.accept_invitation(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.invitation_by_token(bytea, bytea), app.accept_invitation(bytea, bytea) TO rumbo_app;

-- +goose Down
DROP FUNCTION app.accept_invitation(bytea, bytea);
DROP FUNCTION app.invitation_by_token(bytea, bytea);
