package api

import (
	"bytes"
	_ "embed"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

// openapiYAML is the API's contract (OpenAPI 3.1): every endpoint, body, response and error.
// The handlers' tests validate every response they see against it (package api/spectest).
//
//go:embed openapi.yaml
var openapiYAML []byte

// Spec returns the OpenAPI 3.1 document the server serves at /openapi.yaml (a copy).
func Spec() []byte { return bytes.Clone(openapiYAML) }

func init() {
	extraRoutes = append(extraRoutes, func(_ *server, r chi.Router) {
		page := docsPage() // rendered once, when the first handler is built
		r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
			writeStatic(w, "application/yaml", openapiYAML)
		})
		r.Get("/docs", func(w http.ResponseWriter, _ *http.Request) {
			writeStatic(w, "text/html; charset=utf-8", page)
		})
	})
}

// writeStatic answers 200 with a body that never changes while the process runs.
func writeStatic(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
