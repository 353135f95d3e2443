// Package migrations embeds the goose SQL migrations: the schema, its Row
// Level Security policies, grants and SECURITY DEFINER functions.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
