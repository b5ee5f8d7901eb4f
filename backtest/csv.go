package backtest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// CSV writes a run as spreadsheet-friendly files in a directory: network.csv (one row per
// record), subnet_N.csv per subnet (one row per record), actions.csv and epochs.csv (one row per
// action and per epoch). Amounts are integers in base units, as in the JSON records.
type CSV struct {
	dir     string
	files   []*os.File
	network *csvFile
	subnets map[uint16]*csvFile
	actions *csvFile
	epochs  *csvFile
}

type csvFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

var (
	networkHeader = []string{"block", "block_emission", "total_issuance", "root_tao", "actions", "actions_failed", "epochs"}
	subnetHeader  = []string{"block", "netuid", "tao_in", "alpha_in", "alpha_out", "price", "moving_price", "tao_in_emission", "alpha_in_emission", "alpha_out_emission", "owner_cut", "root_divs_tao"}
	actionsHeader = []string{"block", "index", "type", "ok", "tao", "alpha", "fee", "error", "message"}
	epochsHeader  = []string{"block", "netuid", "mode", "alpha_paid", "root_tao_paid", "owner_cut_paid", "undistributed"}
)

// NewCSV creates dir (if needed) and the network, actions and epochs files in it.
func NewCSV(dir string) (*CSV, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &CSV{dir: dir, subnets: make(map[uint16]*csvFile)}
	var err error
	if c.network, err = c.open("network.csv", networkHeader); err != nil {
		return nil, err
	}
	if c.actions, err = c.open("actions.csv", actionsHeader); err != nil {
		return nil, err
	}
	if c.epochs, err = c.open("epochs.csv", epochsHeader); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CSV) open(name string, header []string) (*csvFile, error) {
	f, err := os.Create(filepath.Join(c.dir, name))
	if err != nil {
		return nil, err
	}
	c.files = append(c.files, f)
	b := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(b)
	return &csvFile{f, b, w}, w.Write(header)
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// Write implements Sink.
func (c *CSV) Write(r *Record) error {
	failed := 0
	for _, a := range r.Actions {
		if !a.OK {
			failed++
		}
	}
	blk := u(r.Block)
	if err := c.network.w.Write([]string{blk, u(r.BlockEmission), u(r.TotalIssuance), u(r.RootTAO),
		strconv.Itoa(len(r.Actions)), strconv.Itoa(failed), strconv.Itoa(len(r.Epochs))}); err != nil {
		return err
	}
	for _, s := range r.Subnets {
		f := c.subnets[s.NetUID]
		if f == nil {
			var err error
			if f, err = c.open(fmt.Sprintf("subnet_%d.csv", s.NetUID), subnetHeader); err != nil {
				return err
			}
			c.subnets[s.NetUID] = f
		}
		if err := f.w.Write([]string{blk, strconv.Itoa(int(s.NetUID)), u(s.TAOIn), u(s.AlphaIn), u(s.AlphaOut), s.Price, s.MovingPrice,
			u(s.TAOInEmission), u(s.AlphaInEmission), u(s.AlphaOutEmission), u(s.OwnerCut), u(s.RootDivsTAO)}); err != nil {
			return err
		}
	}
	for _, a := range r.Actions {
		if err := c.actions.w.Write([]string{u(a.Block), strconv.Itoa(a.Index), a.Type, strconv.FormatBool(a.OK),
			u(a.TAO), u(a.Alpha), u(a.Fee), a.Error, a.Message}); err != nil {
			return err
		}
	}
	for _, e := range r.Epochs {
		if err := c.epochs.w.Write([]string{u(e.Block), strconv.Itoa(int(e.NetUID)), e.Mode, u(e.AlphaPaid), u(e.RootTAOPaid),
			u(e.OwnerCutPaid), strconv.FormatInt(e.Undistributed, 10)}); err != nil {
			return err
		}
	}
	return nil
}

// Close flushes and closes every file, reporting the first error.
func (c *CSV) Close() error {
	var first error
	for _, f := range append([]*csvFile{c.network, c.actions, c.epochs}, c.subnetFiles()...) {
		f.w.Flush()
		if err := f.w.Error(); err != nil && first == nil {
			first = err
		}
		if err := f.b.Flush(); err != nil && first == nil {
			first = err
		}
	}
	for _, f := range c.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (c *CSV) subnetFiles() []*csvFile {
	out := make([]*csvFile, 0, len(c.subnets))
	for _, f := range c.subnets {
		out = append(out, f)
	}
	return out
}
