// Command dtaod runs the Dynamic TAO market engine. `dtaod backtest FILE` simulates a scenario
// file and prints its records.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes: 0 ok, 1 the run failed, 2 bad usage or a bad scenario file (nothing was written).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "backtest":
		return backtestCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "dtaod: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `dtaod runs Bittensor's Dynamic TAO economy.

Usage:
  dtaod backtest [-out DIR -format jsonl|csv] [-check] FILE   simulate a scenario (JSON or YAML)
  dtaod backtest -h                                           the scenario format, field by field

`)
}
