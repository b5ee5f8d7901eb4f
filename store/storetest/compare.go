package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// maxDiffs bounds how many differences one comparison reports.
const maxDiffs = 20

var (
	timeType    = reflect.TypeFor[time.Time]()
	priceType   = reflect.TypeFor[dtaod.Price]()
	uint256Type = reflect.TypeFor[uint256.Int]()
)

// equal fails the test if got and want differ, naming every differing field (up to maxDiffs).
// It is reflect.DeepEqual with the suite's two relaxations: a nil slice equals an empty one (a
// store may return either for "no rows"), and times compare with time.Time.Equal (a store may
// return them in another location, without a monotonic reading).
func equal(t testing.TB, what string, got, want any) bool {
	t.Helper()
	d := diff(got, want)
	if len(d) == 0 {
		return true
	}
	t.Errorf("%s differs (got != want):\n  %s", what, strings.Join(d, "\n  "))
	return false
}

// diff lists the differences between got and want, as equal defines them.
func diff(got, want any) []string {
	var out []string
	walk(&out, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return out
}

func walk(out *[]string, path string, g, w reflect.Value) {
	if len(*out) >= maxDiffs {
		return
	}
	add := func(format string, args ...any) {
		p := path
		if p == "" {
			p = "(value)"
		}
		*out = append(*out, p+": "+fmt.Sprintf(format, args...))
		if len(*out) == maxDiffs {
			*out = append(*out, "... (more differences not shown)")
		}
	}
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			add("got %v, want %v", show(g), show(w))
		}
		return
	}
	if g.Type() != w.Type() {
		add("got type %v, want type %v", g.Type(), w.Type())
		return
	}
	switch g.Type() {
	case timeType:
		if g.CanInterface() {
			gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
			if !gt.Equal(wt) {
				add("got %v, want %v", gt, wt)
			}
			return
		}
	case priceType:
		if g.CanInterface() {
			gp, wp := g.Interface().(dtaod.Price), w.Interface().(dtaod.Price)
			if gp.Cmp(wp) != 0 {
				add("got %s, want %s", gp, wp)
			}
			return
		}
	case uint256Type:
		gi, wi := u256(g), u256(w)
		if gi != wi {
			add("got %s, want %s", gi.Dec(), wi.Dec())
		}
		return
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				add("got %s, want %s", nilness(g), nilness(w))
			}
			return
		}
		walk(out, path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			f := g.Type().Field(i)
			name := f.Name
			if f.Anonymous {
				name = f.Type.Name()
			}
			walk(out, path+"."+name, g.Field(i), w.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if g.Type().Elem().Kind() == reflect.Uint8 {
			gb, wb := byteSlice(g), byteSlice(w)
			if !bytes.Equal(gb, wb) {
				if g.Kind() == reflect.Array {
					add("got %x, want %x", gb, wb)
				} else {
					add("got %q, want %q", gb, wb)
				}
			}
			return
		}
		if g.Len() != w.Len() {
			add("got %d elements, want %d", g.Len(), w.Len())
		}
		for i := range min(g.Len(), w.Len()) {
			walk(out, fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i))
		}
	case reflect.Map:
		if g.Len() != w.Len() {
			add("got %d keys, want %d", g.Len(), w.Len())
		}
		for _, k := range w.MapKeys() {
			gv := g.MapIndex(k)
			if !gv.IsValid() {
				add("missing key %v", show(k))
				continue
			}
			walk(out, fmt.Sprintf("%s[%v]", path, show(k)), gv, w.MapIndex(k))
		}
	default:
		if gs, ws := show(g), show(w); gs != ws {
			add("got %s, want %s", gs, ws)
		}
	}
}

// show prints a scalar without Interface, so it works on unexported fields too.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "<invalid>"
	}
	switch v.Kind() {
	case reflect.Bool:
		return fmt.Sprint(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprint(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprint(v.Uint())
	case reflect.Float32, reflect.Float64:
		return fmt.Sprint(v.Float())
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	}
	return v.Type().String() + " value"
}

func nilness(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return "non-nil"
}

func u256(v reflect.Value) uint256.Int {
	var x uint256.Int
	for i := range 4 {
		x[i] = v.Index(i).Uint()
	}
	return x
}

func byteSlice(v reflect.Value) []byte {
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = byte(v.Index(i).Uint())
	}
	return b
}
