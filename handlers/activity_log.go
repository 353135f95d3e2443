package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"rumbo/views"
)

// History and comments, shared by the detail pages of objectives, key
// results, initiatives and activities. The history is written by the
// database's own triggers (migrations/00009_okr_core.sql) whatever path
// made the change; comments by the members.

// itemKinds are the kinds of item that have a history and comments, with
// where their page is and the status vocabulary of views.Labels.
var itemKinds = map[string]struct{ page, statusLabels string }{
	"objective":  {page: "/objectives/", statusLabels: "objective"},
	"key_result": {page: "/key-results/", statusLabels: ""},
	"initiative": {page: "/initiatives/", statusLabels: "initiative"},
	"activity":   {page: "/activities/", statusLabels: "activity"},
}

var fieldLabels = map[string]string{
	"created": "Creación", "title": "Título", "description": "Descripción", "owner_id": "Responsable",
	"assignee_id": "Asignada a", "area_id": "Área", "period_id": "Periodo", "parent_id": "Alineado con",
	"objective_id": "Objetivo", "initiative_id": "Iniciativa", "status": "Estado", "priority": "Prioridad",
	"start_date": "Inicio", "end_date": "Fin", "due_date": "Vencimiento", "progress_manual": "Progreso manual",
	"archived": "Archivado", "kind": "Tipo", "direction": "Dirección", "start_value": "Valor inicial",
	"target_value": "Meta", "current_value": "Valor actual", "unit": "Unidad", "weight": "Peso",
	"estimated_hours": "Horas estimadas", "actual_hours": "Horas reales",
}

// historyEntry is one change as shown.
type historyEntry struct {
	ID       string    `db:"id"`
	When     time.Time `db:"created_at"`
	Actor    string    `db:"actor"`
	Field    string    `db:"field"`
	Old      string    `db:"old_value"`
	New      string    `db:"new_value"`
	Label    string
	Created  bool
	OldLabel string
	NewLabel string
}

// showValue turns a stored value into what people read.
func showValue(kind, field, v string) string {
	if v == "" {
		return "—"
	}
	switch field {
	case "status":
		return views.Label(itemKinds[kind].statusLabels, v)
	case "priority":
		return views.Label("priority", v)
	case "kind":
		return views.Label("kr_kind", v)
	case "direction":
		return views.Label("direction", v)
	case "archived":
		if v == "true" {
			return "Sí"
		}
		return "No"
	case "start_date", "end_date", "due_date":
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			return views.DateES(d)
		}
	case "start_value", "target_value", "current_value", "weight", "estimated_hours", "actual_hours":
		return views.NumberES(v)
	case "progress_manual":
		return v + " %"
	}
	return v
}

func (s *Server) loadHistory(r *request, kind, id string) ([]historyEntry, error) {
	var h []historyEntry
	if err := r.tx.SelectContext(r.ctx, &h, s.q.HistoryFor, r.sess.OrgID, id, kind); err != nil {
		return nil, fmt.Errorf("history-for: %w", err)
	}
	for i := range h {
		e := &h[i]
		e.Label, e.Created = fieldLabels[e.Field], e.Field == "created"
		if e.Label == "" {
			e.Label = e.Field
		}
		e.OldLabel, e.NewLabel = showValue(kind, e.Field, e.Old), showValue(kind, e.Field, e.New)
	}
	return h, nil
}

// commentView is one comment as shown, with what the viewer may do.
type commentView struct {
	ID        string    `db:"id"`
	Body      string    `db:"body"`
	When      time.Time `db:"created_at"`
	Updated   time.Time `db:"updated_at"`
	AuthorID  string    `db:"author_id"`
	Author    string    `db:"author"`
	Edited    bool
	CanEdit   bool
	CanDelete bool
}

// commentsBlock is the comments section of a detail page (and the
// fragment an htmx comment form gets back).
type commentsBlock struct {
	PostURL  string
	CSRF     string
	Comments []commentView
	Error    string
	Draft    string
}

func (s *Server) loadComments(r *request, kind, id string) (commentsBlock, error) {
	b := commentsBlock{PostURL: itemKinds[kind].page + id + "/comments", CSRF: r.csrf()}
	if kind == "key_result" {
		b.PostURL = "/key-results/" + id + "/comments"
	}
	if err := r.tx.SelectContext(r.ctx, &b.Comments, s.q.CommentsFor, r.sess.OrgID, id, kind); err != nil {
		return b, fmt.Errorf("comments-for: %w", err)
	}
	for i := range b.Comments {
		cm := &b.Comments[i]
		cm.Edited = cm.Updated.After(cm.When)
		cm.CanEdit = cm.AuthorID == r.sess.UserID
		cm.CanDelete = cm.CanEdit || r.sess.Role == "corporativo"
	}
	return b, nil
}

func commentBody(c *fiber.Ctx) (string, string) {
	body := strings.TrimSpace(c.FormValue("body"))
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return body, "Escribe un comentario."
	case n > 5000:
		return body, "El comentario admite hasta 5.000 caracteres."
	}
	return body, ""
}

// commentCreate handles POST /<noun>/:id/comments for one kind of item.
// Anyone in the organisation may comment (everyone reads its OKRs).
func (s *Server) commentCreate(kind string) txHandler {
	return func(c *fiber.Ctx, r *request) error {
		id := c.Params("id")
		if !isUUID(id) {
			return errNotFound
		}
		body, problem := commentBody(c)
		if problem != "" {
			return s.commentsAnswer(c, r, kind, id, fiber.StatusUnprocessableEntity, problem, body)
		}
		cols := map[string]any{"objective": nil, "key_result": nil, "initiative": nil, "activity": nil}
		cols[kind] = id
		var newID string
		err := r.attempt(func() error {
			return r.tx.GetContext(r.ctx, &newID, s.q.CommentCreate, r.sess.OrgID, cols["objective"], cols["key_result"],
				cols["initiative"], cols["activity"], r.sess.UserID, body)
		})
		if isForeignKey(err) {
			return errNotFound // the item does not exist in this organisation
		}
		if err != nil {
			return fmt.Errorf("comment-create: %w", err)
		}
		return s.commentsAnswer(c, r, kind, id, fiber.StatusOK, "", "")
	}
}

// commentsAnswer re-renders the comments section for htmx (with
// HX-Trigger so other views can refresh) or sends a plain form back to
// the item's page.
func (s *Server) commentsAnswer(c *fiber.Ctx, r *request, kind, id string, status int, problem, draft string) error {
	if !isHTMX(c) {
		if problem != "" {
			return invalid(problem)
		}
		return c.Redirect(itemKinds[kind].page+id+"#comentarios", fiber.StatusSeeOther)
	}
	b, err := s.loadComments(r, kind, id)
	if err != nil {
		return err
	}
	b.Error, b.Draft = problem, draft
	if problem == "" {
		c.Set("HX-Trigger", "comments-changed")
	}
	c.Status(status)
	return s.fragment(c, "partials/comments", b)
}

type commentRow struct {
	ID       string `db:"id"`
	Body     string `db:"body"`
	AuthorID string `db:"author_id"`
	Kind     string `db:"kind"`
	ItemID   string `db:"item_id"`
}

func (s *Server) commentFor(r *request, id string) (commentRow, error) {
	var cm commentRow
	if !isUUID(id) {
		return cm, errNotFound
	}
	err := r.tx.GetContext(r.ctx, &cm, s.q.CommentByID, r.sess.OrgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return cm, errNotFound
	}
	return cm, err
}

// POST /comments/:id edits a comment: its author only.
func (s *Server) commentUpdate(c *fiber.Ctx, r *request) error {
	cm, err := s.commentFor(r, c.Params("id"))
	if err != nil {
		return err
	}
	if cm.AuthorID != r.sess.UserID {
		return forbidden("Solo quien escribió un comentario puede editarlo.")
	}
	body, problem := commentBody(c)
	if problem != "" {
		return s.commentsAnswer(c, r, cm.Kind, cm.ItemID, fiber.StatusUnprocessableEntity, problem, body)
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.CommentUpdate, r.sess.OrgID, cm.ID, body); err != nil {
		return fmt.Errorf("comment-update: %w", err)
	}
	return s.commentsAnswer(c, r, cm.Kind, cm.ItemID, fiber.StatusOK, "", "")
}

// POST /comments/:id/delete removes a comment: its author, or any
// corporativo.
func (s *Server) commentDelete(c *fiber.Ctx, r *request) error {
	cm, err := s.commentFor(r, c.Params("id"))
	if err != nil {
		return err
	}
	if cm.AuthorID != r.sess.UserID && r.sess.Role != "corporativo" {
		return forbidden("Solo quien escribió un comentario, o un corporativo, puede borrarlo.")
	}
	if _, err := r.tx.ExecContext(r.ctx, s.q.CommentDelete, r.sess.OrgID, cm.ID); err != nil {
		return fmt.Errorf("comment-delete: %w", err)
	}
	return s.commentsAnswer(c, r, cm.Kind, cm.ItemID, fiber.StatusOK, "", "")
}
