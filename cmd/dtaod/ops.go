package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/postgres"
)

// dbFlags parses the flags every database command shares and returns the URL and the rest.
func dbFlags(name, usage string, args []string, stdout, stderr io.Writer, extra func(*flag.FlagSet)) (string, []string, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", envOr("DTAOD_DATABASE_URL", ""), "PostgreSQL `URL` (DTAOD_DATABASE_URL)")
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: dtaod %s\n\nFlags:\n", usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", nil, exitOK
		}
		return "", nil, exitUsage
	}
	if *dbURL == "" {
		fmt.Fprintf(stderr, "dtaod %s: a database is required: -database-url URL or DTAOD_DATABASE_URL\n", name)
		return "", nil, exitUsage
	}
	return *dbURL, fs.Args(), -1
}

// migrateCmd is `dtaod migrate up|down|version`.
func migrateCmd(args []string, stdout, stderr io.Writer) int {
	dbURL, rest, code := dbFlags("migrate", "migrate [-database-url URL] up|down|version|force VERSION", args, stdout, stderr, nil)
	if code >= 0 {
		return code
	}
	ok := len(rest) == 1 && (rest[0] == "up" || rest[0] == "down" || rest[0] == "version") || len(rest) == 2 && rest[0] == "force"
	if !ok {
		fmt.Fprintln(stderr, "dtaod migrate: one command is required: up, down, version or force VERSION (after repairing a dirty schema by hand)")
		return exitUsage
	}
	out, err := postgres.Migrate(dbURL, strings.Join(rest, " "))
	if err != nil {
		fmt.Fprintf(stderr, "dtaod migrate %s: %v\n", rest[0], err)
		return exitFail
	}
	switch rest[0] {
	case "version":
		fmt.Fprintln(stdout, out)
	case "up":
		fmt.Fprintf(stdout, "migrated up to version %d\n", postgres.LatestVersion())
	case "down":
		fmt.Fprintln(stdout, "migrated down: every dtaod table is dropped")
	case "force":
		fmt.Fprintf(stdout, "schema version forced to %s (clean)\n", rest[1])
	}
	return exitOK
}

// replayCmd is `dtaod replay`: rebuild the chain from genesis and the stored orders and compare
// every block's state hash.
func replayCmd(args []string, stdout, stderr io.Writer) int {
	dbURL, rest, code := dbFlags("replay", "replay [-database-url URL]", args, stdout, stderr, nil)
	if code >= 0 {
		return code
	}
	if len(rest) != 0 {
		fmt.Fprintf(stderr, "dtaod replay: unexpected argument %q\n", rest[0])
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "dtaod replay: %v\n", err)
		return exitFail
	}
	defer st.Close()
	res, err := node.Replay(ctx, st, nil)
	var d *node.DivergenceError
	switch {
	case errors.As(err, &d) && d.Height == 0:
		fmt.Fprintf(stdout, "replayed %d blocks: every block matches, but the stored state rows differ from the replayed state (stored %x, replayed %x)\n",
			res.Blocks, d.Stored[:8], d.Replayed[:8])
		return exitFail
	case errors.As(err, &d):
		fmt.Fprintf(stdout, "block %d differs: stored state hash %x, replayed %x (blocks 1-%d match)\n", d.Height, d.Stored[:8], d.Replayed[:8], d.Height-1)
		return exitFail
	case err != nil:
		fmt.Fprintf(stderr, "dtaod replay: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "replayed %d blocks and %d orders from genesis: every state hash matches (head %d, state %x)\n",
		res.Blocks, res.Orders, res.Blocks, res.Hash[:8])
	return exitOK
}

// exportCmd is `dtaod export-state`: the current state as a scenario file, to backtest.
func exportCmd(args []string, stdout, stderr io.Writer) int {
	var out string
	dbURL, rest, code := dbFlags("export-state", "export-state [-database-url URL] [-o FILE]", args, stdout, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "write to `FILE` instead of stdout")
	})
	if code >= 0 {
		return code
	}
	if len(rest) != 0 {
		fmt.Fprintf(stderr, "dtaod export-state: unexpected argument %q\n", rest[0])
		return exitUsage
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "dtaod export-state: %v\n", err)
		return exitFail
	}
	defer st.Close()
	doc, err := node.Export(ctx, st)
	if err != nil {
		fmt.Fprintf(stderr, "dtaod export-state: %v\n", err)
		return exitFail
	}
	if out == "" {
		_, err = stdout.Write(doc)
	} else {
		err = os.WriteFile(out, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dtaod export-state: %v\n", err)
		return exitFail
	}
	return exitOK
}
