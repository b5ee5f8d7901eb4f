package api

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The /docs page: the API reference rendered from openapi.yaml on the server, once, as one
// self-contained HTML page (inline style, no scripts, nothing fetched from elsewhere, so it
// works offline). The document is read as YAML nodes so endpoints, fields and examples keep
// the order they are written in.

//go:embed docs.html.tmpl
var docsTemplate string

// docsPage renders the page once per process; an error is a bug in openapi.yaml or here, which
// the package's tests catch, so it panics.
var docsPage = sync.OnceValue(func() []byte {
	b, err := renderDocs(openapiYAML)
	if err != nil {
		panic("api: rendering /docs from openapi.yaml: " + err.Error())
	}
	return b
})

// The page's model.
type (
	docPage struct {
		Title, Version string
		Summary        string
		Description    template.HTML
		Server         string
		Tags           []*docTag
		Schemas        []docSchema
		Security       []docSecurity
	}
	docTag struct {
		Name        string
		Description template.HTML
		Ops         []docOp
	}
	docOp struct {
		ID, Method, Path, Summary string
		Description               template.HTML
		Auth                      string
		Params                    []docParam
		Body                      *docContent
		Responses                 []docResponse
	}
	docParam struct {
		Name, In    string
		Required    bool
		Type        template.HTML
		Description template.HTML
		Example     string
	}
	docContent struct {
		Required bool
		Media    []docMedia
	}
	docMedia struct {
		Type     string
		Schema   template.HTML
		Examples []docExample
	}
	docExample struct {
		Name, Summary, Body string
	}
	docResponse struct {
		Status      string
		Description template.HTML
		Headers     []docParam
		Media       []docMedia
	}
	docSchema struct {
		Name        string
		Description template.HTML
		Type        template.HTML
		Props       []docProp
		Examples    []docExample
	}
	docProp struct {
		Name        string
		Required    bool
		Type        template.HTML
		Description template.HTML
	}
	docSecurity struct {
		Name, Scheme string
		Description  template.HTML
	}
)

// renderDocs renders the reference page of an OpenAPI document.
func renderDocs(spec []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a YAML document")
	}
	d := &docs{root: doc.Content[0]}
	page, err := d.page()
	if err != nil {
		return nil, err
	}
	t, err := template.New("docs").Funcs(template.FuncMap{
		"lower": strings.ToLower,
		"statusClass": func(s string) string {
			if s != "" {
				return "s" + s[:1]
			}
			return ""
		},
	}).Parse(docsTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, page); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type docs struct {
	root *yaml.Node
}

// ynGet returns the value of key in a mapping node, or nil.
func ynGet(n *yaml.Node, key string) *yaml.Node {
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

// ynStr is a scalar's value under key ("" if none).
func ynStr(n *yaml.Node, key string) string {
	if v := ynGet(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// ynPairs calls f for each key and value of a mapping node, in order.
func ynPairs(n *yaml.Node, f func(k string, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		f(n.Content[i].Value, n.Content[i+1])
	}
}

// resolve follows a local $ref ("#/components/...") to its node; other nodes come back as they are.
func (d *docs) resolve(n *yaml.Node) *yaml.Node {
	for range 16 {
		ref := ynStr(n, "$ref")
		if ref == "" {
			return n
		}
		t := d.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			t = ynGet(t, strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~"))
		}
		if t == nil {
			return n
		}
		n = t
	}
	return n
}

var docMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (d *docs) page() (*docPage, error) {
	info := ynGet(d.root, "info")
	p := &docPage{Title: ynStr(info, "title"), Version: ynStr(info, "version"), Summary: ynStr(info, "summary"),
		Description: docProse(ynStr(info, "description"))}
	if s := ynGet(d.root, "servers"); s != nil && len(s.Content) > 0 {
		p.Server = ynStr(s.Content[0], "url")
	}
	byName := map[string]*docTag{}
	for _, t := range ynSeq(ynGet(d.root, "tags")) {
		tag := &docTag{Name: ynStr(t, "name"), Description: docProse(ynStr(t, "description"))}
		byName[tag.Name] = tag
		p.Tags = append(p.Tags, tag)
	}
	var err error
	ynPairs(ynGet(d.root, "paths"), func(path string, item *yaml.Node) {
		for _, m := range docMethods {
			op := ynGet(item, m)
			if op == nil {
				continue
			}
			o, e := d.op(path, m, item, op)
			if e != nil && err == nil {
				err = e
			}
			tagName := "Other"
			if tags := ynSeq(ynGet(op, "tags")); len(tags) > 0 {
				tagName = tags[0].Value
			}
			tag := byName[tagName]
			if tag == nil {
				tag = &docTag{Name: tagName}
				byName[tagName] = tag
				p.Tags = append(p.Tags, tag)
			}
			tag.Ops = append(tag.Ops, o)
		}
	})
	if err != nil {
		return nil, err
	}
	comps := ynGet(d.root, "components")
	ynPairs(ynGet(comps, "schemas"), func(name string, s *yaml.Node) {
		p.Schemas = append(p.Schemas, d.schema(name, s))
	})
	ynPairs(ynGet(comps, "securitySchemes"), func(name string, s *yaml.Node) {
		scheme := ynStr(s, "type")
		if v := ynStr(s, "scheme"); v != "" {
			scheme += " (" + v + ")"
		}
		p.Security = append(p.Security, docSecurity{Name: name, Scheme: scheme, Description: docProse(ynStr(s, "description"))})
	})
	return p, nil
}

// ynSeq is the items of a sequence node (nil for anything else).
func ynSeq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (d *docs) op(path, method string, item, op *yaml.Node) (docOp, error) {
	o := docOp{ID: ynStr(op, "operationId"), Method: strings.ToUpper(method), Path: path,
		Summary: ynStr(op, "summary"), Description: docProse(ynStr(op, "description"))}
	if o.ID == "" {
		return o, fmt.Errorf("%s %s has no operationId", o.Method, path)
	}
	for _, req := range ynSeq(ynGet(op, "security")) {
		ynPairs(req, func(k string, _ *yaml.Node) { o.Auth = k })
	}
	params := append(append([]*yaml.Node(nil), ynSeq(ynGet(item, "parameters"))...), ynSeq(ynGet(op, "parameters"))...)
	for _, pn := range params {
		o.Params = append(o.Params, d.param(d.resolve(pn), ""))
	}
	if rb := ynGet(op, "requestBody"); rb != nil {
		rb = d.resolve(rb)
		o.Body = &docContent{Required: ynStr(rb, "required") == "true", Media: d.media(ynGet(rb, "content"))}
	}
	ynPairs(ynGet(op, "responses"), func(status string, r *yaml.Node) {
		r = d.resolve(r)
		resp := docResponse{Status: status, Description: docProse(ynStr(r, "description")), Media: d.media(ynGet(r, "content"))}
		ynPairs(ynGet(r, "headers"), func(name string, h *yaml.Node) {
			resp.Headers = append(resp.Headers, d.param(d.resolve(h), name))
		})
		o.Responses = append(o.Responses, resp)
	})
	return o, nil
}

// param describes a parameter, or a header (named by its key).
func (d *docs) param(p *yaml.Node, name string) docParam {
	if name == "" {
		name = ynStr(p, "name")
	}
	out := docParam{Name: name, In: ynStr(p, "in"), Required: ynStr(p, "required") == "true",
		Description: docProse(ynStr(p, "description")), Type: d.typeOf(ynGet(p, "schema"))}
	if ex := ynGet(p, "example"); ex != nil {
		out.Example = ynJSON(ex, "")
	}
	return out
}

func (d *docs) media(content *yaml.Node) []docMedia {
	var out []docMedia
	ynPairs(content, func(mt string, m *yaml.Node) {
		dm := docMedia{Type: mt, Schema: d.typeOf(ynGet(m, "schema"))}
		if ex := ynGet(m, "example"); ex != nil {
			dm.Examples = append(dm.Examples, docExample{Body: docExampleText(ex)})
		}
		ynPairs(ynGet(m, "examples"), func(name string, ex *yaml.Node) {
			ex = d.resolve(ex)
			dm.Examples = append(dm.Examples, docExample{Name: name, Summary: ynStr(ex, "summary"), Body: docExampleText(ynGet(ex, "value"))})
		})
		out = append(out, dm)
	})
	return out
}

// docExampleText shows a text example as it is and anything else as indented JSON.
func docExampleText(n *yaml.Node) string {
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return n.Value
	}
	return ynJSON(n, "")
}

func (d *docs) schema(name string, s *yaml.Node) docSchema {
	out := docSchema{Name: name, Description: docProse(ynStr(s, "description")), Type: d.typeOf(s)}
	req := map[string]bool{}
	for _, r := range ynSeq(ynGet(s, "required")) {
		req[r.Value] = true
	}
	ynPairs(ynGet(s, "properties"), func(pname string, ps *yaml.Node) {
		out.Props = append(out.Props, docProp{Name: pname, Required: req[pname], Type: d.typeOf(ps),
			Description: docProse(d.describe(ps))})
	})
	for _, ex := range ynSeq(ynGet(s, "examples")) {
		out.Examples = append(out.Examples, docExample{Body: ynJSON(ex, "")})
	}
	return out
}

// describe is a schema's description, or that of the schema it refers to.
func (d *docs) describe(s *yaml.Node) string {
	if desc := ynStr(s, "description"); desc != "" {
		return desc
	}
	return ynStr(d.resolve(s), "description")
}

// typeOf describes a schema in one line of HTML: its type, with links to named schemas, and
// its constraints.
func (d *docs) typeOf(s *yaml.Node) template.HTML {
	if s == nil {
		return ""
	}
	if ref := ynStr(s, "$ref"); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		return template.HTML(`<a href="#schema-` + template.HTMLEscapeString(name) + `">` + template.HTMLEscapeString(name) + `</a>`)
	}
	var parts []string
	for _, kw := range []string{"oneOf", "anyOf", "allOf"} {
		if alts := ynSeq(ynGet(s, kw)); len(alts) > 0 {
			var names []string
			for _, a := range alts {
				if t := d.typeOf(a); t != "" {
					names = append(names, string(t))
				}
			}
			sep := map[string]string{"oneOf": " | ", "anyOf": " | ", "allOf": " &amp; "}[kw]
			if len(names) > 0 {
				parts = append(parts, strings.Join(names, sep))
			}
		}
	}
	t := ynGet(s, "type")
	switch {
	case t != nil && t.Kind == yaml.SequenceNode:
		var ts []string
		for _, x := range t.Content {
			ts = append(ts, x.Value)
		}
		parts = append(parts, template.HTMLEscapeString(strings.Join(ts, " or ")))
	case t != nil && t.Value == "array":
		parts = append(parts, "array of "+string(d.typeOf(ynGet(s, "items"))))
	case t != nil && t.Value == "object" && ynGet(s, "properties") == nil && ynGet(s, "additionalProperties") != nil &&
		ynGet(s, "additionalProperties").Kind == yaml.MappingNode:
		parts = append(parts, "object of "+string(d.typeOf(ynGet(s, "additionalProperties"))))
	case t != nil:
		parts = append(parts, template.HTMLEscapeString(t.Value))
	}
	var cons []string
	if c := ynGet(s, "const"); c != nil {
		cons = append(cons, "= "+ynJSON(c, ""))
	}
	if e := ynSeq(ynGet(s, "enum")); len(e) > 0 {
		var vs []string
		for _, v := range e {
			vs = append(vs, v.Value)
		}
		cons = append(cons, "one of "+strings.Join(vs, ", "))
	}
	for _, c := range []struct{ kw, label string }{{"pattern", "pattern"}, {"minimum", "min"}, {"maximum", "max"},
		{"minLength", "min length"}, {"maxLength", "max length"}, {"minItems", "min items"}, {"maxItems", "max items"},
		{"minProperties", "min fields"}, {"format", "format"}, {"default", "default"}} {
		if v := ynGet(s, c.kw); v != nil && v.Kind == yaml.ScalarNode {
			cons = append(cons, c.label+" "+v.Value)
		}
	}
	if ap := ynGet(s, "additionalProperties"); ap != nil && ap.Value == "false" {
		cons = append(cons, "no other fields")
	}
	html := strings.Join(parts, ", ")
	if len(cons) > 0 {
		html += ` <span class="cons">` + template.HTMLEscapeString(strings.Join(cons, "; ")) + `</span>`
	}
	return template.HTML(html)
}

// ynJSON writes a YAML node as indented JSON, keeping mapping order.
func ynJSON(n *yaml.Node, indent string) string {
	var b strings.Builder
	ynWriteJSON(&b, n, indent)
	return b.String()
}

func ynWriteJSON(b *strings.Builder, n *yaml.Node, indent string) {
	if n == nil {
		b.WriteString("null")
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		ynWriteJSON(b, n.Alias, indent)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return
		}
		if ynFlat(n) {
			b.WriteString("{")
			for i := 0; i+1 < len(n.Content); i += 2 {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(docJSONQuote(n.Content[i].Value) + ": ")
				ynWriteJSON(b, n.Content[i+1], indent)
			}
			b.WriteString("}")
			return
		}
		b.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.WriteString(indent + "  " + docJSONQuote(n.Content[i].Value) + ": ")
			ynWriteJSON(b, n.Content[i+1], indent+"  ")
			if i+2 < len(n.Content) {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, c := range n.Content {
			b.WriteString(indent + "  ")
			ynWriteJSON(b, c, indent+"  ")
			if i+1 < len(n.Content) {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float", "!!bool":
			b.WriteString(n.Value)
		case "!!null":
			b.WriteString("null")
		default:
			b.WriteString(docJSONQuote(n.Value))
		}
	}
}

// ynFlat reports whether a mapping holds only scalars and is short: written on one line.
func ynFlat(n *yaml.Node) bool {
	size := 0
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return false
		}
		size += len(c.Value) + 4
	}
	return size <= 72
}

// docJSONQuote quotes s as a JSON string, leaving non-ASCII as it is (strconv.Quote would not
// write JSON for every character, and encoding/json escapes <, > and &).
func docJSONQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// docProse renders a description: paragraphs split by blank lines, "- " lines as lists, lines
// indented by 4 spaces as code blocks, and `backticks` as code.
func docProse(s string) template.HTML {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, block := range docBlocks(s) {
		lines := strings.Split(block, "\n")
		switch {
		case docAllLines(lines, func(l string) bool { return strings.HasPrefix(l, "    ") || l == "" }):
			b.WriteString("<pre>")
			for i, l := range lines {
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString(template.HTMLEscapeString(strings.TrimPrefix(l, "    ")))
			}
			b.WriteString("</pre>")
		case strings.HasPrefix(lines[0], "- "):
			b.WriteString("<ul>")
			var item []string
			flush := func() {
				if len(item) > 0 {
					b.WriteString("<li>" + docInline(strings.Join(item, " ")) + "</li>")
					item = nil
				}
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "- ") {
					flush()
					l = l[2:]
				}
				item = append(item, strings.TrimSpace(l))
			}
			flush()
			b.WriteString("</ul>")
		default:
			b.WriteString("<p>" + docInline(strings.Join(lines, " ")) + "</p>")
		}
	}
	return template.HTML(b.String())
}

// docBlocks splits text at blank lines.
func docBlocks(s string) []string {
	var out []string
	var cur []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

func docAllLines(ls []string, f func(string) bool) bool {
	for _, l := range ls {
		if !f(l) {
			return false
		}
	}
	return true
}

// docInline escapes text and turns `code` spans into <code>.
func docInline(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
		} else {
			if i%2 == 1 {
				b.WriteString("`")
			}
			b.WriteString(template.HTMLEscapeString(p))
		}
	}
	return b.String()
}
