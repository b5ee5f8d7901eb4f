package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dtaod/dtaod/api/spectest"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// Every handler test validates every response against openapi.yaml: the test servers' handler
// is wrapped by the contract validator (see wrapHandler in api_test.go). Load tests (TestXxxLoad)
// are not: they time the server, and validating each response would be most of the time.
func init() {
	wrapHandler = func(t testing.TB, h http.Handler) http.Handler {
		if loadTest.MatchString(t.Name()) {
			return h
		}
		return spectest.New(t).Handler(t, h)
	}
}

var loadTest = regexp.MustCompile(`^Test\w*Load($|/)`)

// pendingRoutes are operations of the contract whose handlers have not landed yet. Each is
// reported as a skip, not a failure, until its route exists; then it must leave this list.
var pendingRoutes = map[string]string{}

// specOps lists the contract's operations as "METHOD /path".
func specOps(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				ops = append(ops, strings.ToUpper(m)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	return ops
}

// TestRoutesMatchSpec: every route the server has is in the contract, and every operation of
// the contract has a route (but those listed in pendingRoutes, which skip).
func TestRoutesMatchSpec(t *testing.T) {
	h := New(nil, Config{AdminToken: "x", Gatherer: prometheus.NewRegistry()})
	mux, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("New returns %T, not a chi router", h)
	}
	routed := map[string]bool{}   // "METHOD /path"
	anyMethod := map[string]int{} // path -> methods routed (a Handle routes all of them)
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[method+" "+route] = true
		anyMethod[route]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ops := specOps(t)
	inSpec := map[string]bool{}
	specPaths := map[string]bool{}
	for _, op := range ops {
		inSpec[op] = true
		specPaths[op[strings.Index(op, " ")+1:]] = true
	}
	for r := range routed {
		method, path, _ := strings.Cut(r, " ")
		if anyMethod[path] >= 9 { // routed with Handle: any method; the contract documents the ones that make sense
			if !specPaths[path] {
				t.Errorf("route %s (any method) is not in openapi.yaml", path)
			}
			continue
		}
		if !inSpec[r] {
			t.Errorf("route %s %s is not in openapi.yaml: document it (or remove the route)", method, path)
		}
	}
	var pending []string
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		has := routed[op] || anyMethod[path] >= 9
		why, isPending := pendingRoutes[op]
		switch {
		case has && isPending:
			t.Errorf("%s is routed now: remove it from pendingRoutes in api/spec_test.go", op)
		case !has && isPending:
			pending = append(pending, op+" ("+why+")")
		case !has:
			t.Errorf("openapi.yaml documents %s %s but the server has no such route", method, path)
		}
	}
	for op := range pendingRoutes {
		if !inSpec[op] {
			t.Errorf("pendingRoutes lists %s, which openapi.yaml does not document", op)
		}
	}
	if len(pending) > 0 {
		t.Skipf("the rest matches; not routed yet: %s", strings.Join(pending, "; "))
	}
}

// TestSpecServed: /openapi.yaml is the embedded document byte for byte, /docs the rendered
// page, and both conform to the contract (through the validating wrapper).
func TestSpecServed(t *testing.T) {
	v := spectest.New(t)
	if !bytes.Equal(v.Spec(), Spec()) {
		t.Fatal("spectest validates a different document than the one api embeds")
	}
	srv := httptest.NewServer(v.Handler(t, New(nil, Config{})))
	defer srv.Close()
	get := func(method, path string) (int, http.Header, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	code, h, body := get("GET", "/openapi.yaml")
	if code != 200 || h.Get("Content-Type") != "application/yaml" || !bytes.Equal(body, Spec()) {
		t.Fatalf("/openapi.yaml: %d %s, %d bytes", code, h.Get("Content-Type"), len(body))
	}
	code, h, body = get("GET", "/docs")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.HasPrefix(body, []byte("<!doctype html>")) {
		t.Fatalf("/docs: %d %s %.80q", code, h.Get("Content-Type"), body)
	}
	if code, _, _ = get("POST", "/docs"); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /docs: %d, want 405", code)
	}
	if code, _, _ = get("GET", "/nothing"); code != http.StatusNotFound {
		t.Fatalf("GET /nothing: %d, want 404", code)
	}
}

// TestDocsPage: the page has every operation and schema, with their examples, and loads
// nothing from elsewhere.
func TestDocsPage(t *testing.T) {
	page, err := renderDocs(Spec())
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
		} `yaml:"paths"`
		Components struct {
			Schemas map[string]yaml.Node `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !strings.Contains(html, `id="op-`+op.OperationID+`"`) {
				t.Errorf("the page lacks %s %s (op-%s)", method, path, op.OperationID)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(html, `id="schema-`+name+`"`) {
			t.Errorf("the page lacks schema %s", name)
		}
	}
	// Every link inside the page points at an anchor that exists.
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(html, `id="`+m[1]+`"`) {
			t.Errorf("a link to #%s, which the page does not have", m[1])
		}
	}
	// Self-contained: no scripts, stylesheets, images, fonts or frames from anywhere.
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src="} {
		if strings.Contains(html, bad) {
			t.Errorf("the page contains %q: it must not load anything", bad)
		}
	}
	for _, want := range []string{
		"<pre>{\n  &#34;signer&#34;: &#34;5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg&#34;", // a request example, as JSON
		`<code>alpha:&lt;netuid&gt;</code>`, // inline code in a description, escaped
		`needs adminToken`,
		`Retry-After`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if os.Getenv("DTAOD_WRITE_DOCS") != "" { // DTAOD_WRITE_DOCS=/tmp/docs.html: look at it in a browser
		if err := os.WriteFile(os.Getenv("DTAOD_WRITE_DOCS"), page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProseRendering: descriptions become paragraphs, lists, code blocks and code spans.
func TestProseRendering(t *testing.T) {
	got := string(docProse("A `b` <c>.\nsame paragraph\n\n- one\n  more\n- two\n\n    code <x>\n    more"))
	want := "<p>A <code>b</code> &lt;c&gt;. same paragraph</p><ul><li>one more</li><li>two</li></ul><pre>code &lt;x&gt;\nmore</pre>"
	if got != want {
		t.Fatalf("prose:\n got %s\nwant %s", got, want)
	}
	if got := string(docProse("an odd ` backtick")); got != "<p>an odd ` backtick</p>" {
		t.Fatalf("odd backtick: %s", got)
	}
}

// TestPendingRoutesAreKnown keeps pendingRoutes honest: its keys are "METHOD /path".
func TestPendingRoutesAreKnown(t *testing.T) {
	for op := range pendingRoutes {
		method, path, ok := strings.Cut(op, " ")
		if !ok || !slices.Contains([]string{"GET", "POST", "PUT", "DELETE", "PATCH"}, method) || !strings.HasPrefix(path, "/") {
			t.Errorf("pendingRoutes key %q is not METHOD /path", op)
		}
	}
}
