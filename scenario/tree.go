package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kind is the type of a value in the decoded file, the same for JSON and YAML so one walker
// validates both.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kList
)

// node is one value of the decoded file. Scalars keep their literal text so that amounts and
// decimals are parsed exactly (never through float64) and errors quote what the user wrote.
type node struct {
	kind   kind
	text   string  // scalar literal: "true", "1e9", "alice"; "" for null and containers
	fields []field // kObject, in file order
	items  []*node // kList
	pos    pos     // where the value's first token is
}

// field is one key of an object.
type field struct {
	key string
	val *node
	pos pos // where the key is
}

// pos is a 1-based line and column, used to report errors in file order and to name lines.
type pos struct{ line, col int }

// before orders positions in the file.
func (a pos) before(b pos) bool {
	return a.line < b.line || a.line == b.line && a.col < b.col
}

// maxDepth bounds nesting: a scenario is at most five levels deep, so anything far deeper is a
// mistake, and the bound keeps recursion (and YAML alias cycles) from exhausting the stack.
const maxDepth = 64

// aliasBudget bounds how many nodes YAML alias expansion may add beyond the input's own size,
// which defeats "billion laughs" documents.
const aliasBudget = 100_000

// syntaxError is a problem found while decoding, before any field is known.
func syntaxError(line int, format string, args ...any) *issue {
	reason := fmt.Sprintf(format, args...)
	if line > 0 {
		reason = fmt.Sprintf("line %d: %s", line, reason)
	} else {
		reason = "syntax error: " + reason
	}
	return &issue{at: pos{line, 0}, err: &FieldError{Reason: reason}}
}

// ---- JSON ----

// jsonDecoder turns a token stream into a tree, with line numbers from byte offsets.
type jsonDecoder struct {
	dec      *json.Decoder
	newlines []int // offsets of '\n' in the input
	errs     []*issue
}

func decodeJSON(data []byte) (*node, []*issue) {
	d := &jsonDecoder{dec: json.NewDecoder(bytes.NewReader(data))}
	d.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			d.newlines = append(d.newlines, i)
		}
	}
	root, err := d.value("", 0)
	if err != nil {
		return nil, append(d.errs, err)
	}
	if tok, terr := d.dec.Token(); terr != io.EOF {
		if terr != nil {
			return nil, append(d.errs, d.syntax(terr))
		}
		return nil, append(d.errs, syntaxError(d.lineAt(d.dec.InputOffset()),
			"unexpected data after the top-level object (%s)", describeToken(tok)))
	}
	return root, d.errs
}

// lineAt returns the 1-based line of the byte just before offset (the end of the last token).
func (d *jsonDecoder) lineAt(offset int64) int { return d.posAt(offset).line }

// posAt returns the position of the byte just before offset. A token's end is on the same line
// as its start (JSON strings cannot hold a raw newline), and the end's column orders tokens of a
// line as well as the start's would.
func (d *jsonDecoder) posAt(offset int64) pos {
	if offset > 0 {
		offset--
	}
	i := sort.SearchInts(d.newlines, int(offset))
	col := int(offset) + 1
	if i > 0 {
		col = int(offset) - d.newlines[i-1]
	}
	return pos{line: i + 1, col: col}
}

func (d *jsonDecoder) syntax(err error) *issue {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return syntaxError(d.lineAt(se.Offset), "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return syntaxError(d.lineAt(d.dec.InputOffset()), "invalid JSON: unexpected end of input")
	}
	return syntaxError(d.lineAt(d.dec.InputOffset()), "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(t))
	case string:
		return fmt.Sprintf("string %q", truncate(t))
	case json.Number:
		return "number " + truncate(string(t))
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// value reads one value. A returned issue is fatal (the stream is unusable after it); duplicate
// keys are collected in d.errs and decoding goes on so that all of them are reported.
func (d *jsonDecoder) value(path string, depth int) (*node, *issue) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	at := d.posAt(d.dec.InputOffset())
	line := at.line
	switch t := tok.(type) {
	case nil:
		return &node{kind: kNull, pos: at}, nil
	case bool:
		return &node{kind: kBool, text: fmt.Sprint(t), pos: at}, nil
	case json.Number:
		return &node{kind: kNumber, text: string(t), pos: at}, nil
	case string:
		return &node{kind: kString, text: t, pos: at}, nil
	case json.Delim:
		if depth >= maxDepth {
			return nil, syntaxError(line, "nesting deeper than %d levels", maxDepth)
		}
		if t == '[' {
			n := &node{kind: kList, pos: at}
			for d.dec.More() {
				item, ierr := d.value(index(path, len(n.items)), depth+1)
				if ierr != nil {
					return nil, ierr
				}
				n.items = append(n.items, item)
			}
			if _, err := d.dec.Token(); err != nil { // ']'
				return nil, d.syntax(err)
			}
			return n, nil
		}
		if t == '{' {
			n := &node{kind: kObject, pos: at}
			seen := map[string]int{}
			for d.dec.More() {
				ktok, err := d.dec.Token()
				if err != nil {
					return nil, d.syntax(err)
				}
				key, _ := ktok.(string) // the decoder only yields strings as keys
				kpos := d.posAt(d.dec.InputOffset())
				val, ierr := d.value(join(path, key), depth+1)
				if ierr != nil {
					return nil, ierr
				}
				if first, dup := seen[key]; dup {
					d.errs = append(d.errs, &issue{at: kpos, err: &FieldError{Path: join(path, key),
						Reason: fmt.Sprintf("duplicate key (first at line %d)", first)}})
					continue
				}
				seen[key] = kpos.line
				n.fields = append(n.fields, field{key: key, val: val, pos: kpos})
			}
			if _, err := d.dec.Token(); err != nil { // '}'
				return nil, d.syntax(err)
			}
			return n, nil
		}
	}
	return nil, syntaxError(line, "unexpected %s", describeToken(tok))
}

// ---- YAML ----

// yamlConverter turns a yaml.Node document into a tree, expanding aliases and merge keys.
type yamlConverter struct {
	budget int
	errs   []*issue
	// memo shares the tree of an anchor among its aliases (nodes are never mutated), so a file
	// that reuses one weights row 8,000 times holds it once. Each reuse is still charged its
	// full size against the budget, which keeps alias bombs bounded: the parser walks it again.
	memo map[*yaml.Node]memoized
}

type memoized struct {
	n    *node
	size int
}

func decodeYAML(data []byte) (root *node, errs []*issue) {
	defer func() {
		// The YAML library is large and third-party; a panic in it must not take the caller down.
		if r := recover(); r != nil {
			root, errs = nil, []*issue{syntaxError(0, "invalid YAML: the parser failed (%v)", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, []*issue{syntaxError(1, "the file is empty: it must hold an object with at least version and blocks")}
		}
		return nil, []*issue{yamlError(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, []*issue{yamlError(err)}
		}
		return nil, []*issue{syntaxError(extra.Line, "unexpected second YAML document (a scenario is one document)")}
	}
	c := &yamlConverter{budget: len(data) + aliasBudget, memo: make(map[*yaml.Node]memoized)}
	n, iss := c.convert(&doc, "", 0)
	if iss != nil {
		return nil, append(c.errs, iss)
	}
	return n, c.errs
}

func yamlError(err error) *issue {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(msg, "line ") {
		var line int
		if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil {
			return &issue{at: pos{line, 0}, err: &FieldError{Reason: "invalid YAML: " + msg}}
		}
	}
	return syntaxError(0, "invalid YAML: %s", msg)
}

// convert returns the tree for y. A returned issue is fatal: the tree is unusable.
func (c *yamlConverter) convert(y *yaml.Node, path string, depth int) (*node, *issue) {
	if depth >= maxDepth {
		return nil, syntaxError(y.Line, "nesting deeper than %d levels (or an alias that contains itself)", maxDepth)
	}
	c.budget--
	if c.budget < 0 {
		return nil, syntaxError(y.Line, "the document is too large after expanding aliases")
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: kNull, pos: yamlPos(y)}, nil
		}
		return c.convert(y.Content[0], path, depth+1)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, syntaxError(y.Line, "alias to an unknown anchor")
		}
		if m, ok := c.memo[y.Alias]; ok {
			if c.budget -= m.size; c.budget < 0 {
				return nil, syntaxError(y.Line, "the document is too large after expanding aliases")
			}
			cp := *m.n
			cp.pos = yamlPos(y)
			return &cp, nil
		}
		before := c.budget
		n, iss := c.convert(y.Alias, path, depth+1)
		if n != nil {
			if iss == nil {
				c.memo[y.Alias] = memoized{n, before - c.budget}
			}
			cp := *n
			cp.pos = yamlPos(y)
			n = &cp
		}
		return n, iss
	case yaml.ScalarNode:
		return c.scalar(y), nil
	case yaml.SequenceNode:
		n := &node{kind: kList, pos: yamlPos(y)}
		for i, item := range y.Content {
			v, iss := c.convert(item, index(path, i), depth+1)
			if iss != nil {
				return nil, iss
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.MappingNode:
		return c.mapping(y, path, depth)
	}
	return nil, syntaxError(y.Line, "unsupported YAML node")
}

func yamlPos(y *yaml.Node) pos { return pos{y.Line, y.Column} }

func (c *yamlConverter) scalar(y *yaml.Node) *node {
	n := &node{text: y.Value, pos: yamlPos(y)}
	switch y.ShortTag() {
	case "!!null":
		n.kind, n.text = kNull, ""
	case "!!bool":
		n.kind = kBool
		n.text = strings.ToLower(y.Value)
	case "!!int", "!!float":
		n.kind = kNumber
	default: // !!str, !!timestamp, !!binary and custom tags: the literal text
		n.kind = kString
	}
	return n
}

// mapping converts an object. Explicit keys win over merged ones ("<<: *base"), and among merged
// mappings the earlier wins, as YAML's merge key type says; only explicit keys can be duplicates.
func (c *yamlConverter) mapping(y *yaml.Node, path string, depth int) (*node, *issue) {
	n := &node{kind: kObject, pos: yamlPos(y)}
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, syntaxError(k.Line, "a key must be a plain string (under %s)", orTop(path))
		}
		key := k.Value
		if first, dup := seen[key]; dup {
			c.errs = append(c.errs, &issue{at: yamlPos(k), err: &FieldError{Path: join(path, key),
				Reason: fmt.Sprintf("duplicate key (first at line %d)", first)}})
			continue
		}
		seen[key] = k.Line
		val, iss := c.convert(v, join(path, key), depth+1)
		if iss != nil {
			return nil, iss
		}
		n.fields = append(n.fields, field{key: key, val: val, pos: yamlPos(k)})
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			mn, iss := c.convert(s, path, depth+1)
			if iss != nil {
				return nil, iss
			}
			if mn.kind != kObject {
				return nil, syntaxError(s.Line, "a merge key (<<) must refer to a mapping")
			}
			for _, f := range mn.fields {
				if _, ok := seen[f.key]; ok {
					continue
				}
				seen[f.key] = f.pos.line
				n.fields = append(n.fields, f)
			}
		}
	}
	return n, nil
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// join appends an object key to a path. A key that is not a plain name (empty, or with dots,
// spaces or brackets) is quoted, so the path stays unambiguous and never empty.
func join(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(truncate(key)) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// index appends a list index to a path.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// truncate shortens a literal quoted in an error, so a megabyte of digits does not flood the
// terminal.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
