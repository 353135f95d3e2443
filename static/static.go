// Package static embeds Rumbo's CSS, scripts and icons, htmx among them
// (pinned by package.json and committed, so a build needs no npm).
package static

import "embed"

// FS holds the files served under /static/.
//
//go:embed app.css app.js favicon.svg htmx-2.0.11.min.js htmx-LICENSE.txt
var FS embed.FS
