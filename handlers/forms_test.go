package handlers

import "github.com/gavv/httpexpect/v2"

// postForm posts a form with the session's CSRF token, as a browser would.
func postForm(e *httpexpect.Expect, path, token string, fields map[string]string) *httpexpect.Request {
	r := e.POST(path).WithFormField("_csrf", token)
	for k, v := range fields {
		r = r.WithFormField(k, v)
	}
	return r
}

// with is a copy of a form's fields with some replaced: with(f, "title", "").
func with(fields map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
