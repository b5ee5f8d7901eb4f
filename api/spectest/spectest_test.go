package spectest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
	"go.yaml.in/yaml/v3"
)

// TestSpecIsValid31: the document parses, is OpenAPI 3.1.0 and validates against the
// OpenAPI 3.1 schema.
func TestSpecIsValid31(t *testing.T) {
	v := New(t)
	if got := v.doc.GetVersion(); got != "3.1.0" {
		t.Fatalf("version %q, want 3.1.0", got)
	}
	ok, errs := v.v.ValidateDocument()
	if !ok {
		t.Fatalf("the document is not valid OpenAPI 3.1:\n%s", strings.Join(messages(errs), "\n"))
	}
	if n := v.model.Paths.PathItems.Len(); n < 19 {
		t.Fatalf("%d paths: the document lost some", n)
	}
	// Controls: a response without its required description fails document validation, and
	// a schema of an unknown type fails when compiled (the OpenAPI 3.1 meta-schema leaves
	// schema objects to JSON Schema, so TestExamplesMatchSchemas, which compiles every schema
	// through its examples, is what catches those).
	broken := func(old, new string) *Validator {
		spec := strings.Replace(string(v.Spec()), old, new, 1)
		if spec == string(v.Spec()) {
			t.Fatalf("the control edit of %q does not apply", old)
		}
		w, err := Load([]byte(spec))
		if err != nil {
			t.Fatalf("the control document does not load: %v", err)
		}
		return w
	}
	if ok, _ := broken("          description: The process is alive.\n", "").v.ValidateDocument(); ok {
		t.Error("a response without a description passed document validation")
	}
	w := broken("      type: string\n      pattern: '^[0-9]{1,20}$'", "      type: strnig\n      pattern: '^[0-9]{1,20}$'")
	if s, ok := w.model.Components.Schemas.Get("BaseUnits"); !ok || len(w.ValidateSchema(s.Schema(), []byte(`"1"`))) == 0 {
		t.Error("a schema of type strnig compiled")
	}
}

// exampleJSON turns an example node into JSON.
func exampleJSON(t *testing.T, where string, n interface{ Decode(any) error }) []byte {
	t.Helper()
	var val any
	if err := n.Decode(&val); err != nil {
		t.Fatalf("%s: example does not decode: %v", where, err)
	}
	b, err := json.Marshal(val)
	if err != nil {
		t.Fatalf("%s: example is not JSON: %v", where, err)
	}
	return b
}

// TestExamplesMatchSchemas: every example of the document (parameters, headers, request and
// response bodies, schemas) validates against its own schema, and every body has one.
func TestExamplesMatchSchemas(t *testing.T) {
	v := New(t)
	checked := 0
	check := func(where string, s *base.SchemaProxy, ex interface{ Decode(any) error }) {
		t.Helper()
		if s == nil {
			t.Errorf("%s: an example without a schema", where)
			return
		}
		sch := s.Schema()
		if sch == nil {
			t.Errorf("%s: the schema does not resolve: %v", where, s.GetBuildError())
			return
		}
		body := exampleJSON(t, where, ex)
		if problems := v.ValidateSchema(sch, body); len(problems) > 0 {
			t.Errorf("%s: the example %s does not match its schema:\n  %s", where, body, strings.Join(problems, "\n  "))
		}
		checked++
	}
	media := func(where string, content *orderedmap.Map[string, *v3.MediaType]) {
		if content == nil {
			return
		}
		for mt, m := range content.FromOldest() {
			w := where + " " + mt
			n := 0
			if m.Example != nil {
				check(w+" example", m.Schema, m.Example)
				n++
			}
			if m.Examples != nil {
				for name, ex := range m.Examples.FromOldest() {
					check(w+" example "+name, m.Schema, ex.Value)
					n++
				}
			}
			if n == 0 {
				t.Errorf("%s: no example", w)
			}
		}
	}
	for path, item := range v.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			where := strings.ToUpper(method) + " " + path
			for _, p := range op.Parameters {
				if p.Example == nil {
					t.Errorf("%s: parameter %s has no example", where, p.Name)
					continue
				}
				check(where+" parameter "+p.Name, p.Schema, p.Example)
			}
			if rb := op.RequestBody; rb != nil {
				media(where+" request", rb.Content)
			}
			for code, r := range op.Responses.Codes.FromOldest() {
				media(where+" "+code, r.Content)
				if r.Headers != nil {
					for name, h := range r.Headers.FromOldest() {
						if h.Example != nil {
							check(where+" "+code+" header "+name, h.Schema, h.Example)
						}
					}
				}
			}
		}
	}
	for name, sp := range v.model.Components.Schemas.FromOldest() {
		for i, ex := range sp.Schema().Examples {
			check(fmt.Sprintf("schema %s example %d", name, i), sp, ex)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d examples checked: the walk missed some", checked)
	}
	t.Logf("%d examples match their schemas", checked)
}

// rate is the rate-limit headers every response carries.
func rate(h http.Header) http.Header {
	if h == nil {
		h = http.Header{}
	}
	h.Set("X-RateLimit-Limit", "100000")
	h.Set("X-RateLimit-Remaining", "99999")
	h.Set("X-RateLimit-Reset", "1")
	return h
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

const (
	latest = `{"block":7,"height":7,"state_hash":"7d1f0a3c5b2e4f6a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d",` +
		`"parent_hash":"0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb",` +
		`"emission":{"value":"1000000000","unit":"tao","display":"1.000000000"},` +
		`"total_issuance":{"value":"9000007000000000","unit":"tao","display":"9000007.000000000"},` +
		`"orders":0,"produced_at":"2025-11-23T12:00:00.5Z"}`
	notFound    = `{"type":"https://dtaod.dev/problems/not-found","title":"Not Found","status":404,"code":"NOT_FOUND","detail":"no block 9"}`
	rateLimited = `{"type":"https://dtaod.dev/problems/rate-limited","title":"Too Many Requests","status":429,"code":"RATE_LIMITED","detail":"slow down"}`
	notAllowed  = `{"type":"https://dtaod.dev/problems/method-not-allowed","title":"Method Not Allowed","status":405,"code":"METHOD_NOT_ALLOWED","detail":"DELETE is not allowed"}`
	jsonCT      = "application/json"
	problemCT   = "application/problem+json"
	signedOrder = `{"signer":"5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg","nonce":0,"call":{"type":"transfer","coldkey":"5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg","to_coldkey":"bob","amount":"5"},"signature":"` + sig + `"}`
	sig         = "148b94287e5a34010e873122164295ca6570f8dab7d1f15fc2fe2672285672ab7f4a18768ae7d11775df7f6f02a307be1d415fdc2e7d43a5e4d0823effd03d07"
	batchResult = `{"block":7,"results":[{"index":0,"status":"pending","seq":3},{"index":1,"status":"refused","error":` +
		`{"type":"https://dtaod.dev/problems/bad-nonce","title":"Conflict","status":409,"code":"BAD_NONCE","detail":"nonce"}}]}`
	accepted     = `{"block":7,"seq":1,"status":"pending"}`
	orderPending = `{"block":7,"seq":1,"status":"pending","signer":null,"nonce":null,"call":{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":"1000000000"},"submitted_at":"2025-11-23T12:00:00Z"}`
)

// TestResponsesAreChecked: conforming responses pass, and each kind of mismatch is caught.
func TestResponsesAreChecked(t *testing.T) {
	v := New(t)
	cases := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantOK             bool
		wantMsg            string // a substring of one of the problems
	}{
		{"healthz", "GET", "/healthz", 200, rate(hdr("Content-Type", "text/plain; charset=utf-8")), "ok\n", true, ""},
		{"latest block", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)), latest, true, ""},
		{"not found problem", "GET", "/v1/blocks/9", 404, rate(hdr("Content-Type", problemCT)), notFound, true, ""},
		{"429 with Retry-After", "GET", "/v1/subnets", 429, rate(hdr("Content-Type", problemCT, "Retry-After", "2")), rateLimited, true, ""},
		{"pending order", "GET", "/v1/orders/1", 200, rate(hdr("Content-Type", jsonCT)), orderPending, true, ""},

		{"extra field", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(latest, `"orders":0`, `"orders":0,"extra":1`, 1), false, "extra"},
		{"missing field", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(latest, `"orders":0,`, ``, 1), false, "orders"},
		{"wrong type", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(latest, `"height":7`, `"height":"7"`, 1), false, "height"},
		{"amount as a number", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(latest, `"value":"1000000000"`, `"value":1000000000`, 1), false, "value"},
		{"bad display", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(latest, `"display":"1.000000000"`, `"display":"1.0"`, 1), false, "display"},
		{"included order without receipt", "GET", "/v1/orders/1", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(orderPending, `"pending"`, `"included"`, 1), false, ""},
		{"pending order with a receipt field", "GET", "/v1/orders/1", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(orderPending, `"submitted_at"`, `"index":0,"submitted_at"`, 1), false, ""},
		{"unknown call type", "GET", "/v1/orders/1", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(orderPending, `"add_stake"`, `"burn"`, 1), false, ""},
		{"call with a field of another type", "GET", "/v1/orders/1", 200, rate(hdr("Content-Type", jsonCT)),
			strings.Replace(orderPending, `"netuid":1`, `"netuid":1,"to_netuid":2`, 1), false, ""},
		{"undocumented status", "GET", "/v1/blocks/latest", 500, rate(hdr("Content-Type", problemCT)), notFound, false, "500"},
		{"undocumented status on healthz", "GET", "/healthz", 418, rate(hdr("Content-Type", "text/plain")), "ok\n", false, "418"},
		{"wrong content type", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", "text/html")), latest, false, "text/html"},
		{"problem as plain JSON", "GET", "/v1/blocks/9", 404, rate(hdr("Content-Type", jsonCT)), notFound, false, "application/json"},
		{"problem with the wrong code", "GET", "/v1/blocks/9", 404, rate(hdr("Content-Type", problemCT)),
			strings.Replace(notFound, "NOT_FOUND", "UNAVAILABLE", 1), false, ""},
		{"problem with an unknown code", "GET", "/v1/blocks/9", 404, rate(hdr("Content-Type", problemCT)),
			strings.Replace(notFound, "NOT_FOUND", "OOPS", 1), false, ""},
		{"healthz body", "GET", "/healthz", 200, rate(hdr("Content-Type", "text/plain")), "fine", false, ""},
		{"no rate-limit headers", "GET", "/v1/blocks/latest", 200, hdr("Content-Type", jsonCT), latest, false, "X-RateLimit-Limit"},
		{"429 without Retry-After", "GET", "/v1/subnets", 429, rate(hdr("Content-Type", problemCT)), rateLimited, false, "Retry-After"},

		{"no content type", "GET", "/v1/blocks/latest", 200, rate(nil), latest, false, ""},
		{"empty body", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)), "", false, ""},
		{"truncated body", "GET", "/v1/blocks/latest", 200, rate(hdr("Content-Type", jsonCT)), latest[:40], false, ""},
		{"batch result", "POST", "/v1/orders/batch", 200, rate(hdr("Content-Type", jsonCT)), batchResult, true, ""},
		{"batch result as an order", "POST", "/v1/orders/batch", 200, rate(hdr("Content-Type", jsonCT)), orderPending, false, ""},
		{"accepted order", "POST", "/v1/orders", 202, rate(hdr("Content-Type", jsonCT, "Location", "/v1/orders/1")), accepted, true, ""},
		{"accepted order, bad Location", "POST", "/v1/orders", 202, rate(hdr("Content-Type", jsonCT, "Location", "/orders/1")), accepted, false, "location"},
		{"latest block has no 404", "GET", "/v1/blocks/latest", 404, rate(hdr("Content-Type", problemCT)), notFound, false, "404"},

		{"unknown path, 404", "GET", "/v2/nothing", 404, rate(hdr("Content-Type", problemCT)), notFound, true, ""},
		{"unknown path, 200", "GET", "/v2/nothing", 200, rate(hdr("Content-Type", jsonCT)), `{}`, false, "undocumented path"},
		{"unknown method, 405", "DELETE", "/v1/subnets", 405, rate(hdr("Content-Type", problemCT)), notAllowed, true, ""},
		{"unknown method, 200", "DELETE", "/v1/subnets", 200, rate(hdr("Content-Type", jsonCT)), `{}`, false, "undocumented method"},
		{"unknown method, plain 405", "DELETE", "/v1/subnets", 405, rate(hdr("Content-Type", "text/plain")), "no", false, "problem+json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, "http://127.0.0.1:8080"+c.path, nil)
			problems := v.Response(req, c.status, c.header, []byte(c.body))
			if c.wantOK && len(problems) > 0 {
				t.Fatalf("a conforming response was refused:\n  %s", strings.Join(problems, "\n  "))
			}
			if !c.wantOK {
				if len(problems) == 0 {
					t.Fatal("a wrong response passed")
				}
				if c.wantMsg != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.wantMsg) }) {
					t.Fatalf("the problems do not mention %q:\n  %s", c.wantMsg, strings.Join(problems, "\n  "))
				}
				t.Logf("caught: %s", strings.Join(problems, "; "))
			}
		})
	}
}

// TestRequestsAreChecked: a request the contract refuses is reported (for 2xx answers).
func TestRequestsAreChecked(t *testing.T) {
	v := New(t)
	post := func(path, token, body string) *http.Request {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", jsonCT)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		body   string
		wantOK bool
	}{
		{"signed order", post("/v1/orders", "", signedOrder), signedOrder, true},
		{"admin order", post("/v1/admin/orders", "t", `{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":"1"}`),
			`{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":"1"}`, true},
		{"amount as a number", post("/v1/admin/orders", "t", ""), `{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":1}`, false},
		{"unknown field", post("/v1/admin/orders", "t", ""), `{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":"1","x":1}`, false},
		{"faucet is not a call", post("/v1/admin/orders", "t", ""), `{"type":"faucet","coldkey":"alice","amount":"1"}`, false},
		{"bad signature hex", post("/v1/orders", "", ""), strings.Replace(signedOrder, sig, "zz", 1), false},
		{"quote with both amounts", post("/v1/quote", "", ""), `{"kind":"stake","netuid":1,"amount_in":"1","amount_out":"1"}`, false},
		{"quote stake", post("/v1/quote", "", ""), `{"kind":"stake","netuid":1,"amount_in":"1"}`, true},
		{"quote move without to_netuid", post("/v1/quote", "", ""), `{"kind":"move","from_netuid":1,"amount_in":"1"}`, false},
		{"limit above the maximum", httptest.NewRequest("GET", "/v1/subnets?limit=1001", nil), "", false},
		{"limit", httptest.NewRequest("GET", "/v1/subnets?limit=10", nil), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := v.Request(c.req, []byte(c.body))
			if c.wantOK != (len(problems) == 0) {
				t.Fatalf("want ok=%v, got problems %q", c.wantOK, problems)
			}
		})
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeT) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errs...)
}

// TestWrappers: the handler and client wrappers fail the test on a wrong response and pass a
// right one, without changing what the client sees.
func TestWrappers(t *testing.T) {
	v := New(t)
	mux := http.NewServeMux()
	withRate := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { rate(w.Header()); h(w, r) }
	}
	mux.HandleFunc("GET /healthz", withRate(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	}))
	mux.HandleFunc("GET /v1/blocks/latest", withRate(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", jsonCT)
		_, _ = io.WriteString(w, strings.Replace(latest, `"orders":0`, `"orders":-1`, 1)) // wrong
	}))
	mux.HandleFunc("POST /v1/admin/orders", withRate(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", jsonCT)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"block":7,"seq":1,"status":"pending"}`)
	}))

	for _, mode := range []string{"handler", "client"} {
		t.Run(mode, func(t *testing.T) {
			ft := &fakeT{TB: t}
			var client *http.Client
			var srv *httptest.Server
			if mode == "handler" {
				srv = httptest.NewServer(v.Handler(ft, mux))
				client = srv.Client()
			} else {
				srv = httptest.NewServer(mux)
				client = &http.Client{Transport: v.Client(ft, nil)}
			}
			defer srv.Close()
			get := func(method, path, body string) (int, string) {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer t")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := get("GET", "/healthz", ""); code != 200 || body != "ok\n" || len(ft.failures()) != 0 {
				t.Fatalf("healthz: %d %q, failures %q", code, body, ft.failures())
			}
			if code, _ := get("POST", "/v1/admin/orders", `{"type":"transfer","coldkey":"alice","to_coldkey":"bob","amount":"1"}`); code != 202 || len(ft.failures()) != 0 {
				t.Fatalf("admin order: %d, failures %q", code, ft.failures())
			}
			if code, body := get("GET", "/v1/blocks/latest", ""); code != 200 || !strings.Contains(body, `"orders":-1`) {
				t.Fatalf("latest: %d %q", code, body)
			}
			if f := ft.failures(); len(f) != 1 || !strings.Contains(f[0], "orders") {
				t.Fatalf("the wrong block was not reported once: %q", f)
			}
			// The server accepted a request the contract refuses: reported too.
			get("POST", "/v1/admin/orders", `{"type":"transfer","coldkey":"alice","to_coldkey":"bob","amount":1}`)
			if f := ft.failures(); len(f) != 2 || !strings.Contains(f[1], "request") {
				t.Fatalf("the accepted bad request was not reported: %q", f)
			}
			// Unrouted paths: the mux answers 404 text/plain, which is not a problem document.
			get("GET", "/v2/nothing", "")
			if f := ft.failures(); len(f) != 3 || !strings.Contains(f[2], "problem+json") {
				t.Fatalf("a plain 404 was not reported: %q", f)
			}
		})
	}
}

// TestSpecLint holds the document to the conventions the brief sets, so a new endpoint cannot
// quietly skip them.
func TestSpecLint(t *testing.T) {
	v := New(t)
	var root yaml.Node
	if err := yaml.Unmarshal(v.Spec(), &root); err != nil {
		t.Fatal(err)
	}
	doc := root.Content[0]

	// Every object with properties is closed.
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			if get(n, "properties") != nil && get(n, "type") != nil && get(n, "type").Value == "object" {
				if ap := get(n, "additionalProperties"); ap == nil || ap.Value != "false" {
					t.Errorf("%s: an object with properties must say additionalProperties: false", path)
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], path+"/"+n.Content[i].Value)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(doc, "#")

	resolve := func(n *yaml.Node) *yaml.Node {
		if ref := get(n, "$ref"); ref != nil {
			t := doc
			for _, p := range strings.Split(strings.TrimPrefix(ref.Value, "#/"), "/") {
				t = get(t, p)
			}
			return t
		}
		return n
	}
	for i := 0; i+1 < len(get(doc, "paths").Content); i += 2 {
		path, item := get(doc, "paths").Content[i].Value, get(doc, "paths").Content[i+1]
		for j := 0; j+1 < len(item.Content); j += 2 {
			method, op := strings.ToUpper(item.Content[j].Value), item.Content[j+1]
			where := method + " " + path
			for _, k := range []string{"operationId", "summary", "description", "tags"} {
				if get(op, k) == nil {
					t.Errorf("%s: no %s", where, k)
				}
			}
			for _, p := range seqOf(get(op, "parameters")) {
				if get(resolve(p), "description") == nil {
					t.Errorf("%s: parameter %s has no description", where, get(resolve(p), "name").Value)
				}
			}
			resps := get(op, "responses")
			if get(resps, "429") == nil {
				t.Errorf("%s: every endpoint is rate limited, so it must document 429", where)
			}
			if rb := get(op, "requestBody"); rb != nil {
				for _, code := range []string{"400", "413", "422"} {
					if get(resps, code) == nil {
						t.Errorf("%s: takes a body, so it must document %s", where, code)
					}
				}
				schema := get(get(get(rb, "content"), "application/json"), "schema")
				if schema == nil {
					t.Errorf("%s: the request body is not application/json", where)
				}
			}
			if get(op, "security") != nil && get(resps, "401") == nil {
				t.Errorf("%s: needs a token, so it must document 401", where)
			}
			for k := 0; k+1 < len(resps.Content); k += 2 {
				code, r := resps.Content[k].Value, resolve(resps.Content[k+1])
				for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
					if get(get(r, "headers"), h) == nil {
						t.Errorf("%s %s: no %s header", where, code, h)
					}
				}
				if code == "429" && get(get(r, "headers"), "Retry-After") == nil {
					t.Errorf("%s 429: no Retry-After header", where)
				}
				if code[0] == '4' || code[0] == '5' {
					if path != "/metrics" && get(get(r, "content"), "application/problem+json") == nil {
						t.Errorf("%s %s: errors are application/problem+json", where, code)
					}
				}
				if get(r, "description") == nil {
					t.Errorf("%s %s: no description", where, code)
				}
			}
		}
	}
	// Every named schema says what it is.
	schemas := get(get(doc, "components"), "schemas")
	for i := 0; i+1 < len(schemas.Content); i += 2 {
		if get(schemas.Content[i+1], "description") == nil {
			t.Errorf("schema %s has no description", schemas.Content[i].Value)
		}
	}
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seqOf(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}
