package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one thing wrong with a scenario file. The contract promises an error that names
// the field and the reason, so a user can fix a file without reading the engine's source.
type FieldError struct {
	Path   string // e.g. "state.subnets[2].tao_in"; "" for a syntax error (Reason then starts with the line)
	Reason string
}

// Error returns "PATH: REASON", or the reason alone for a syntax error, which has no path.
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// ErrorList is every problem found in a file, in file order. Parse reports them all at once
// because a scenario is usually written by hand and fixing one error per run is tedious.
type ErrorList struct {
	Errors []*FieldError
}

// maxListed is how many errors Error prints; the rest are counted.
const maxListed = 20

// Error returns one "PATH: REASON" per line, at most 20 of them.
func (l *ErrorList) Error() string {
	if l == nil || len(l.Errors) == 0 {
		return "scenario: no errors"
	}
	var b strings.Builder
	for i, e := range l.Errors {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more errors", len(l.Errors)-maxListed)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the first *FieldError (and errors.Is any of them).
func (l *ErrorList) Unwrap() []error {
	if l == nil {
		return nil
	}
	out := make([]error, len(l.Errors))
	for i, e := range l.Errors {
		out[i] = e
	}
	return out
}

// issue is a FieldError with the line it was found at, so errors found by a late cross-check
// (a stake naming a subnet listed further down) still sort into file order.
type issue struct {
	at  pos
	err *FieldError
}

// sortedList orders issues by position (stable: same-line issues keep the order they were found) and
// drops exact duplicates, which YAML aliases can produce.
func sortedList(issues []*issue) *ErrorList {
	sort.SliceStable(issues, func(i, j int) bool { return issues[i].at.before(issues[j].at) })
	l := &ErrorList{}
	seen := map[FieldError]bool{}
	for _, is := range issues {
		if seen[*is.err] {
			continue
		}
		seen[*is.err] = true
		l.Errors = append(l.Errors, is.err)
	}
	return l
}
