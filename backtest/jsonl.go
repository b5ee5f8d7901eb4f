package backtest

import (
	"bufio"
	"encoding/json"
	"io"
)

// JSONL writes one JSON object per record, one per line: the contract's default output.
type JSONL struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewJSONL returns a sink writing JSON Lines to w.
func NewJSONL(w io.Writer) *JSONL {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONL{w: bw, enc: enc}
}

// Write implements Sink. Empty lists are written as [] (never null) so readers need no special
// case; balances and stakes appear only with record.accounts.
func (j *JSONL) Write(r *Record) error {
	if r.Actions == nil {
		r.Actions = []ActionRecord{}
	}
	if r.Epochs == nil {
		r.Epochs = []EpochRecord{}
	}
	if r.Subnets == nil {
		r.Subnets = []SubnetRecord{}
	}
	if r.accounts {
		type withAccounts struct {
			*Record
			Balances []BalanceRecord `json:"balances"`
			Stakes   []StakeRecord   `json:"stakes"`
		}
		w := withAccounts{Record: r, Balances: nonNil(r.Balances), Stakes: nonNil(r.Stakes)}
		return j.enc.Encode(w)
	}
	return j.enc.Encode(r)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Close flushes the output.
func (j *JSONL) Close() error { return j.w.Flush() }
