package queries

// ActivityLog are the history and comments shared by the detail pages
// (activity_log.sql).
type ActivityLog struct {
	HistoryFor    string `query:"history-for"`
	CommentsFor   string `query:"comments-for"`
	CommentCreate string `query:"comment-create"`
	CommentByID   string `query:"comment-by-id"`
	CommentUpdate string `query:"comment-update"`
	CommentDelete string `query:"comment-delete"`
}
