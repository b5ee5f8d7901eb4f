// Package spectest holds the server to its contract in tests: it checks HTTP responses (and
// the requests the server accepted) against dtaod's OpenAPI 3.1 document, api/openapi.yaml,
// the file package api embeds and serves.
//
// Wrap a test server's handler, or a client's transport, and every response that passes
// through is validated; any mismatch fails the test:
//
//	v := spectest.New(t)
//	srv := httptest.NewServer(v.Handler(t, api.New(chain, cfg)))
//	// or: client := &http.Client{Transport: v.Client(t, http.DefaultTransport)}
//
// A response is checked for: a documented path and method (an undocumented path must be a 404
// problem, an undocumented method a 405 or 404 problem), a documented status code, a documented
// content type, a body that validates against the response schema (which closes every object
// with additionalProperties: false, so an extra field is a failure too), and the response's
// required headers (the rate-limit headers on every response, Retry-After on 429). A request
// the server answered with a 2xx is checked against the operation's parameters and request
// body: the server may not accept what the contract refuses.
//
// Validation uses github.com/pb33f/libopenapi and libopenapi-validator, which implement
// OpenAPI 3.1 with full JSON Schema 2020-12 (type arrays, const, if/then, unevaluated...).
package spectest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// SpecPath is where the contract lives, relative to the module root.
const SpecPath = "api/openapi.yaml"

// Validator checks requests and responses against one OpenAPI document. It is safe for
// concurrent use.
type Validator struct {
	spec    []byte
	doc     libopenapi.Document
	model   *v3.Document
	routes  []route
	problem *base.Schema

	mu sync.Mutex // guards v and schemas: the library's validators are not documented as concurrency-safe
	v  validator.Validator
	sv schema_validation.SchemaValidator
}

// route is one path of the document, as a pattern to match request paths.
type route struct {
	path    string
	re      *regexp.Regexp
	literal int // characters outside {params}: the most literal match wins
	methods map[string]bool
}

var (
	loadOnce sync.Once
	shared   *Validator
	loadErr  error
)

// New returns the validator of dtaod's contract, api/openapi.yaml, loaded once per test binary.
// It fails the test if the document cannot be found, parsed or built.
//
// The file is found from the working directory (go test runs each package in its own source
// directory) by walking up to the module root; package api's own tests cannot import a package
// that imports api, so the bytes are read from the file api embeds rather than from api.Spec().
func New(t testing.TB) *Validator {
	t.Helper()
	loadOnce.Do(func() {
		spec, err := readSpec()
		if err != nil {
			loadErr = err
			return
		}
		shared, loadErr = Load(spec)
	})
	if loadErr != nil {
		t.Fatalf("spectest: %v", loadErr)
	}
	return shared
}

// readSpec reads api/openapi.yaml from the module that holds the working directory (or, failing
// that, this source file).
func readSpec() ([]byte, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if mod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
				if bytes.Contains(mod, []byte("module github.com/dtaod/dtaod\n")) {
					return os.ReadFile(filepath.Join(d, filepath.FromSlash(SpecPath)))
				}
				break // another module: try the next start
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return nil, fmt.Errorf("cannot find %s: no module github.com/dtaod/dtaod above %q", SpecPath, starts)
}

// Load builds a validator of an OpenAPI 3.1 document. Most tests want New.
func Load(spec []byte) (*Validator, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	if doc.GetVersion() != "3.1.0" {
		return nil, fmt.Errorf("the document is OpenAPI %q, want 3.1.0", doc.GetVersion())
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build the OpenAPI model: %w", err)
	}
	opts := []config.Option{config.WithFormatAssertions()}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("build the validator: %w", errors.Join(errs...))
	}
	out := &Validator{spec: spec, doc: doc, model: &model.Model, v: v,
		sv: schema_validation.NewSchemaValidator(opts...)}
	if p, ok := model.Model.Components.Schemas.Get("Problem"); ok {
		out.problem = p.Schema()
	}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		r := route{path: path, methods: map[string]bool{}}
		var re strings.Builder
		re.WriteString("^")
		for i, seg := range strings.Split(path, "/") {
			if i > 0 {
				re.WriteString("/")
			}
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				re.WriteString("[^/]+")
			} else {
				re.WriteString(regexp.QuoteMeta(seg))
				r.literal += len(seg)
			}
		}
		re.WriteString("$")
		r.re = regexp.MustCompile(re.String())
		for m := range item.GetOperations().KeysFromOldest() {
			r.methods[strings.ToUpper(m)] = true
		}
		out.routes = append(out.routes, r)
	}
	sort.SliceStable(out.routes, func(i, j int) bool { return out.routes[i].literal > out.routes[j].literal })
	return out, nil
}

// Spec is the document's bytes.
func (v *Validator) Spec() []byte { return v.spec }

// Document is the parsed document (its V3 model).
func (v *Validator) Document() *v3.Document { return v.model }

// match finds the document's path for a request: the most literal path that matches and has
// the method (as chi routes), else the most literal that matches, else nil.
func (v *Validator) match(method, path string) *route {
	var fallback *route
	for i := range v.routes {
		r := &v.routes[i]
		if !r.re.MatchString(path) {
			continue
		}
		if r.methods[method] {
			return r
		}
		if fallback == nil {
			fallback = r
		}
	}
	return fallback
}

// Check validates a response to req (its status, headers and body) against the operation req
// calls, and fails t (t.Errorf, so it may be called from any goroutine) on each mismatch.
func (v *Validator) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if problems := v.Response(req, status, header, body); len(problems) > 0 {
		t.Errorf("%s", report("response", req, status, body, problems))
	}
}

// Response validates a response and returns what is wrong with it (nothing if it conforms).
func (v *Validator) Response(req *http.Request, status int, header http.Header, body []byte) []string {
	rt := v.match(req.Method, req.URL.Path)
	if rt == nil || !rt.methods[req.Method] {
		return v.undocumented(req, rt, status, header, body)
	}
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	v.mu.Lock()
	ok, errs := v.v.ValidateHttpResponse(req, resp)
	v.mu.Unlock()
	if !ok {
		return messages(errs)
	}
	r := v.response(rt.path, req.Method, status)
	if r == nil || r.Content == nil || r.Content.Len() == 0 {
		return nil
	}
	// The library skips empty bodies; every body the contract documents has content.
	if len(bytes.TrimSpace(body)) == 0 && req.Method != http.MethodHead {
		return []string{fmt.Sprintf("the body is empty; the contract documents a %d body", status)}
	}
	// The library validates JSON bodies; a text body (healthz, metrics, the document, the
	// page) is validated here as a JSON string against its schema.
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil || strings.HasSuffix(mt, "json") {
		return nil
	}
	if m, ok := r.Content.Get(mt); ok && m.Schema != nil {
		b, _ := json.Marshal(string(body))
		return v.ValidateSchema(m.Schema.Schema(), b)
	}
	return nil
}

// response is the document's response of an operation for a status code, or nil.
func (v *Validator) response(path, method string, status int) *v3.Response {
	item, ok := v.model.Paths.PathItems.Get(path)
	if !ok {
		return nil
	}
	op, ok := item.GetOperations().Get(strings.ToLower(method))
	if !ok || op.Responses == nil {
		return nil
	}
	r, _ := op.Responses.Codes.Get(strconv.Itoa(status))
	return r
}

// undocumented checks the answer to a path or method the document does not have: only a 404
// (no such path) or 405 (no such method) problem document is right.
func (v *Validator) undocumented(req *http.Request, rt *route, status int, header http.Header, body []byte) []string {
	want := map[int]string{http.StatusNotFound: "NOT_FOUND"}
	what := "an undocumented path"
	if rt != nil {
		what = "an undocumented method of " + rt.path
		want[http.StatusMethodNotAllowed] = "METHOD_NOT_ALLOWED"
	}
	code, ok := want[status]
	if !ok {
		return []string{fmt.Sprintf("%s %s is %s, answered %d: want 404 NOT_FOUND (or 405 METHOD_NOT_ALLOWED for a documented path)",
			req.Method, req.URL.Path, what, status)}
	}
	var problems []string
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		problems = append(problems, fmt.Sprintf("content type %q, want application/problem+json", ct))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if header.Get(h) == "" {
			problems = append(problems, "required header "+h+" is missing")
		}
	}
	if v.problem != nil {
		v.mu.Lock()
		ok, errs := v.sv.ValidateSchemaBytes(v.problem, body)
		v.mu.Unlock()
		if !ok {
			problems = append(problems, messages(errs)...)
		}
	}
	var p struct{ Code string }
	if err := json.Unmarshal(body, &p); err != nil || p.Code != code {
		problems = append(problems, fmt.Sprintf("%s answered %d with code %q, want %s", what, status, p.Code, code))
	}
	return problems
}

// Request validates a request (parameters, body, security) against its operation and returns
// what is wrong with it. body is the request's body (req.Body is not read).
func (v *Validator) Request(req *http.Request, body []byte) []string {
	rt := v.match(req.Method, req.URL.Path)
	if rt == nil || !rt.methods[req.Method] {
		return []string{fmt.Sprintf("%s %s is not in the document", req.Method, req.URL.Path)}
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) > 0 {
		// The server reads every body as JSON whatever its Content-Type says (clients often
		// send none, curl -d sends a form type), so it is validated as JSON.
		r.Header.Set("Content-Type", "application/json")
	}
	v.mu.Lock()
	ok, errs := v.v.ValidateHttpRequestSync(r)
	v.mu.Unlock()
	if ok {
		return nil
	}
	return messages(errs)
}

// ValidateSchema validates a JSON value against a schema of the document.
func (v *Validator) ValidateSchema(s *base.Schema, value []byte) []string {
	v.mu.Lock()
	ok, errs := v.sv.ValidateSchemaBytes(s, value)
	v.mu.Unlock()
	if ok {
		return nil
	}
	return messages(errs)
}

// messages turns the library's errors into one line each.
func messages(errs []*liberrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		msg := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			msg += ": " + e.Reason
		}
		if len(e.SchemaValidationErrors) == 0 {
			out = append(out, msg)
			continue
		}
		for _, s := range e.SchemaValidationErrors {
			at := s.FieldPath
			if at == "" {
				at = "$"
			}
			out = append(out, fmt.Sprintf("%s: at %s: %s", e.Message, at, s.Reason))
		}
	}
	if len(out) == 0 {
		out = append(out, "invalid (the validator gave no reason)")
	}
	return out
}

func report(what string, req *http.Request, status int, body []byte, problems []string) string {
	const maxBody = 2000
	b := body
	if len(b) > maxBody {
		b = append(append([]byte(nil), b[:maxBody]...), "..."...)
	}
	return fmt.Sprintf("spectest: the %s of %s %s (status %d) does not match api/openapi.yaml:\n  - %s\n  body: %s",
		what, req.Method, req.URL.RequestURI(), status, strings.Join(problems, "\n  - "), b)
}

// maxCapture bounds how much of a request body the wrappers keep for request validation.
const maxCapture = 4 << 20

// Handler wraps a server's handler: every response it writes is validated when the handler
// returns, and every request it answers with a 2xx is validated too. Mismatches fail t.
func (v *Validator) Handler(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqBody []byte
		complete := true
		if r.Body != nil && r.Body != http.NoBody {
			var err error
			reqBody, err = io.ReadAll(io.LimitReader(r.Body, maxCapture+1))
			if err != nil || len(reqBody) > maxCapture {
				complete = false
			}
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(reqBody), r.Body), r.Body}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		header := rec.header
		if header == nil {
			header = w.Header().Clone()
		}
		v.Check(t, r, status, header, rec.body.Bytes())
		if status >= 200 && status < 300 && complete {
			if problems := v.Request(r, reqBody); len(problems) > 0 {
				t.Errorf("%s", report("request (answered with a 2xx)", r, status, reqBody, problems))
			}
		}
	})
}

// recorder passes a response through while keeping a copy of its status, headers and body.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Flush passes flushes on, for handlers that stream.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Client wraps a client transport (nil: http.DefaultTransport): every response it returns is
// validated (its body is read and replaced by a copy), and every request answered with a 2xx
// too. Mismatches fail t.
func (v *Validator) Client(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, t: t, base: base}
}

type transport struct {
	v    *Validator
	t    testing.TB
	base http.RoundTripper
}

func (c *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	complete := true
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if req.GetBody != nil {
			var rc io.ReadCloser
			if rc, err = req.GetBody(); err == nil {
				reqBody, err = io.ReadAll(io.LimitReader(rc, maxCapture+1))
				rc.Close()
			}
		} else {
			reqBody, err = io.ReadAll(req.Body)
			req.Body.Close()
			body := reqBody
			req = req.Clone(req.Context())
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		complete = err == nil && len(reqBody) <= maxCapture
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // a broken connection is the test's to see, not a contract mismatch
	}
	c.v.Check(c.t, req, resp.StatusCode, resp.Header, body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && complete {
		if problems := c.v.Request(req, reqBody); len(problems) > 0 {
			c.t.Errorf("%s", report("request (answered with a 2xx)", req, resp.StatusCode, reqBody, problems))
		}
	}
	return resp, nil
}
