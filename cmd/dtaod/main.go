// Command dtaod runs the Dynamic TAO market engine: `dtaod backtest FILE` simulates a scenario
// file and prints its records; `dtaod serve` runs the live chain; migrate, replay and
// export-state are the operator's tools for its PostgreSQL store.
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
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "migrate":
		return migrateCmd(args[1:], stdout, stderr)
	case "replay":
		return replayCmd(args[1:], stdout, stderr)
	case "export-state":
		return exportCmd(args[1:], stdout, stderr)
	case "bench-chain":
		return benchCmd(args[1:], stdout, stderr)
	case "bench-api":
		return benchAPICmd(args[1:], stdout, stderr)
	case "keys":
		return keysCmd(args[1:], stdout, stderr)
	case "subnets":
		return subnetsCmd(args[1:], stdout, stderr)
	case "quote":
		return quoteCmd(args[1:], stdout, stderr)
	case "stake":
		return stakeCmd(args[1:], stdout, stderr)
	case "wallet":
		return walletCmd(args[1:], stdout, stderr)
	case "weights":
		return weightsCmd(args[1:], stdout, stderr)
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
  dtaod serve [flags]                 run the live chain (in memory, or on PostgreSQL with DTAOD_DATABASE_URL)
  dtaod migrate up|down|version       manage the PostgreSQL schema
  dtaod replay                        rebuild the stored chain from genesis and check every block's state hash
  dtaod export-state [-o FILE]        write the live state as a scenario file, to backtest
  dtaod bench-chain [flags]           measure the producer on PostgreSQL under a steady order load
  dtaod bench-api -mode reads|orders  load a running server on loopback: read latency, signed orders/s

Client (talks to a server: --url or DTAOD_URL, default http://127.0.0.1:8080; --json for scripts):
  dtaod keys new|list|show            signing keys in the local keystore (--keystore, DTAOD_KEYSTORE)
  dtaod subnets list|show             subnets: prices, reserves, emissions, neurons
  dtaod quote stake|unstake|move      what a trade would give now
  dtaod stake add|remove|move|transfer|swap   quote, confirm, sign, send and wait for the receipt
  dtaod wallet balance|transfer|faucet        balances and positions; send TAO; dev faucet
  dtaod weights set                   a validator's weights, signed by its hotkey

`)
}
