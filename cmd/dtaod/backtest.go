package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dtaod/dtaod/backtest"
	"github.com/dtaod/dtaod/scenario"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func backtestCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write to files in `DIR` instead of stdout")
	format := fs.String("format", "jsonl", "output format with -out: jsonl (DIR/records.jsonl) or csv (network.csv, subnet_N.csv, actions.csv, epochs.csv)")
	check := fs.Bool("check", false, "check conservation of TAO and alpha after every block (slow)")
	progress := fs.Bool("progress", true, "show a progress bar on stderr when it is a terminal")
	fs.Usage = func() {
		fmt.Fprintln(stdout, "Usage: dtaod backtest [flags] FILE")
		fmt.Fprintln(stdout, "\nSimulates the scenario FILE (JSON, or YAML with the same fields) and writes one JSON object per")
		fmt.Fprintln(stdout, "recorded block to stdout. Exit code 2 and no output for a bad file; 1 if the run fails.\n\nFlags:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, scenario.Help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "dtaod backtest: exactly one scenario FILE is required (see dtaod backtest -h)")
		return exitUsage
	}
	if *format != "jsonl" && *format != "csv" {
		fmt.Fprintf(stderr, "dtaod backtest: -format %q: must be jsonl or csv\n", *format)
		return exitUsage
	}
	if *format == "csv" && *out == "" {
		fmt.Fprintln(stderr, "dtaod backtest: -format csv writes several files and needs -out DIR")
		return exitUsage
	}
	sc, err := scenario.ParseFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "dtaod backtest: %s: %v\n", fs.Arg(0), err)
		return exitUsage
	}
	runner, err := backtest.New(sc)
	if err != nil {
		fmt.Fprintf(stderr, "dtaod backtest: %s: %v\n", fs.Arg(0), err)
		return exitUsage
	}
	var sink backtest.Sink
	switch {
	case *out == "":
		sink = backtest.NewJSONL(stdout)
	case *format == "csv":
		if sink, err = backtest.NewCSV(*out); err != nil {
			fmt.Fprintf(stderr, "dtaod backtest: -out: %v\n", err)
			return exitFail
		}
	default:
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(stderr, "dtaod backtest: -out: %v\n", err)
			return exitFail
		}
		f, err := os.Create(filepath.Join(*out, "records.jsonl"))
		if err != nil {
			fmt.Fprintf(stderr, "dtaod backtest: -out: %v\n", err)
			return exitFail
		}
		defer f.Close()
		sink = backtest.NewJSONL(f)
	}
	opt := backtest.Options{Check: *check}
	if f, ok := stderr.(*os.File); ok && *progress && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(int64(sc.Blocks),
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("blocks"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("blocks"),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish())
		opt.Progress = func(done, _ uint64) { _ = bar.Set64(int64(done)) }
		defer bar.Finish()
	}
	if err := runner.Run(sink, opt); err != nil {
		fmt.Fprintf(stderr, "dtaod backtest: %v\n", err)
		return exitFail
	}
	return exitOK
}
