package main

// The command-line client: keys, subnets, quote, stake, wallet and weights commands over the
// REST API (package client). This file holds what they share: the global flags, flag parsing
// that allows flags after arguments, the keystore and passphrase, confirmation, output.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/dtaod/dtaod/client"
	"github.com/dtaod/dtaod/keys"
	"golang.org/x/term"
)

// exitPending is the exit code of an order still pending when the wait ran out: not failed
// (it may yet run), not known to have succeeded.
const exitPending = 3

// defaultURL is the server the client talks to without --url or DTAOD_URL: `dtaod serve`'s
// default listen address.
const defaultURL = "http://127.0.0.1:8080"

// cliStdin is where confirmations and passphrases are read from; tests replace it.
var cliStdin io.Reader = os.Stdin

// cli is one client command's run: its name for messages, output streams and global flags.
type cli struct {
	name           string // "dtaod stake add"
	stdout, stderr io.Writer

	url        string
	keystore   string
	json       bool
	noPass     bool
	adminToken string

	fs *flag.FlagSet
}

// defaultKeystore is ~/.dtaod/keys.json (DTAOD_KEYSTORE overrides it).
func defaultKeystore() string {
	if v := os.Getenv("DTAOD_KEYSTORE"); v != "" {
		return v
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".dtaod", "keys.json")
	}
	return filepath.Join(home, ".dtaod", "keys.json")
}

// newCLI makes a command with the global flags registered; usage describes its arguments and
// what it does, for -h.
func newCLI(name, usage string, stdout, stderr io.Writer) *cli {
	c := &cli{name: name, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", envOr("DTAOD_URL", defaultURL), "the dtaod server `URL` (DTAOD_URL)")
	fs.StringVar(&c.keystore, "keystore", defaultKeystore(), "the keystore `file` (DTAOD_KEYSTORE)")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts instead of tables")
	fs.BoolVar(&c.noPass, "no-passphrase", false, "store new keys unencrypted, and never ask for a passphrase")
	fs.StringVar(&c.adminToken, "admin-token", envOr("DTAOD_ADMIN_TOKEN", ""), "the server's admin `token`, for the faucet (DTAOD_ADMIN_TOKEN)")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s %s\n\nFlags (--flag and -flag are the same; flags may follow arguments):\n", name, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	c.fs = fs
	return c
}

// parse parses args, allowing flags before, between and after the positional arguments (a
// "--" ends the flags). want is the number of positional arguments, or -1 for any number.
// It returns the positional arguments, or an exit code when parsing ended the command.
func (c *cli) parse(args []string, want int) ([]string, int, bool) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := c.fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if want >= 0 && len(pos) != want {
		switch {
		case len(pos) > want:
			fmt.Fprintf(c.stderr, "%s: unexpected argument %q\n", c.name, pos[want])
		default:
			fmt.Fprintf(c.stderr, "%s: missing argument\n", c.name)
		}
		c.fs.Usage()
		return nil, exitUsage, false
	}
	return pos, exitOK, true
}

// usageErr reports bad usage (exit 2).
func (c *cli) usageErr(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, fmt.Sprintf(format, a...))
	return exitUsage
}

// fail reports a failed run (exit 1). With --json an API error also goes to stdout as
// {"error": {...}} so a script reading stdout sees why.
func (c *cli) fail(err error) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, describeErr(err))
	if c.json {
		var ae *client.Error
		if errors.As(err, &ae) {
			c.printJSON(map[string]any{"error": map[string]any{"status": ae.Status, "code": ae.Code, "detail": ae.Detail, "errors": ae.Fields}})
		} else {
			c.printJSON(map[string]any{"error": map[string]any{"detail": err.Error()}})
		}
	}
	return exitFail
}

// describeErr is an error for people, with a hint for the ones a user can fix.
func describeErr(err error) string {
	msg := err.Error()
	var ne *client.NetworkError
	switch {
	case errors.As(err, &ne):
		return msg + " (is `dtaod serve` running there? set --url or DTAOD_URL)"
	case errors.Is(err, client.ErrUnauthorized):
		return msg + " (pass the server's admin token: --admin-token or DTAOD_ADMIN_TOKEN)"
	case errors.Is(err, client.ErrBadNonce):
		return msg + " (another order of this account was accepted meanwhile; run the command again)"
	case errors.Is(err, keys.ErrKeyNotFound):
		return msg + " (see `dtaod keys list`)"
	}
	return msg
}

// client makes the API client for --url.
func (c *cli) client() (*client.Client, error) {
	return client.New(c.url, client.WithAdminToken(c.adminToken))
}

// context is the command's context: cancelled by Ctrl-C or SIGTERM.
func (c *cli) context() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// connect is what every command that talks to the server starts with: the client and the
// command's context (call cancel when done). An error is a bad --url, a usage error.
func (c *cli) connect() (*client.Client, context.Context, context.CancelFunc, error) {
	cl, err := c.client()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := c.context()
	return cl, ctx, cancel, nil
}

// printJSON writes v as indented JSON on stdout.
func (c *cli) printJSON(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// table is a tabwriter on w for aligned columns; call Flush when done.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// info is where human-readable progress goes: stdout normally, stderr with --json so stdout
// holds only the JSON document.
func (c *cli) info() io.Writer {
	if c.json {
		return c.stderr
	}
	return c.stdout
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stdinLines reads cliStdin line by line; one reader for the whole run so buffered input is
// not lost between questions.
var stdinLines *bufio.Reader

func readLine() (string, error) {
	if stdinLines == nil {
		stdinLines = bufio.NewReader(cliStdin)
	}
	line, err := stdinLines.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// confirm asks question on stderr and reads the answer from stdin: only y or yes proceeds; an
// empty answer, anything else or the end of input does not.
func (c *cli) confirm(question string) bool {
	fmt.Fprintf(c.stderr, "%s [y/N] ", question)
	line, err := readLine()
	if err != nil || !isTerminal(cliStdin) {
		fmt.Fprintln(c.stderr) // piped input is not echoed: end the prompt's line
	}
	if err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// passphrase gets a passphrase: --no-passphrase means none, then DTAOD_PASSPHRASE, then a prompt
// on the terminal without echo (twice when confirm is set, for a new key). Without a terminal
// and without the variable it is an error that says what to do.
func (c *cli) passphrase(prompt string, confirm bool) ([]byte, error) {
	if c.noPass {
		return nil, nil
	}
	if v, ok := os.LookupEnv("DTAOD_PASSPHRASE"); ok {
		return []byte(v), nil
	}
	f, ok := cliStdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("a passphrase is needed but stdin is not a terminal: set DTAOD_PASSPHRASE, or use --no-passphrase for an unencrypted (dev) key")
	}
	fmt.Fprint(c.stderr, prompt+": ")
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	if confirm {
		fmt.Fprint(c.stderr, "Repeat it: ")
		q, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		if string(p) != string(q) {
			return nil, errors.New("the passphrases differ")
		}
	}
	return p, nil
}

// openKeystore opens --keystore.
func (c *cli) openKeystore() (*keys.Keystore, error) {
	return keys.Open(c.keystore)
}

// key opens the named key of the keystore, asking for its passphrase only if it is encrypted.
func (c *cli) key(name string) (*keys.Key, error) {
	ks, err := c.openKeystore()
	if err != nil {
		return nil, err
	}
	var entry *keys.Entry
	for _, e := range ks.List() {
		if e.Name == name {
			entry = &e
			break
		}
	}
	if entry == nil {
		return nil, fmt.Errorf("%w: %q in %s", keys.ErrKeyNotFound, name, ks.Path())
	}
	var pass []byte
	if entry.Encrypted {
		if pass, err = c.passphrase(fmt.Sprintf("Passphrase for key %q", name), false); err != nil {
			return nil, err
		}
	}
	return ks.Get(name, pass)
}

// resolveAddress turns a command's account argument into an address: the name of a key in the
// keystore gives its address (no passphrase needed); anything else (an SS58 address, or a
// dev-genesis account name such as val1-hk) is used as it is.
func (c *cli) resolveAddress(s string) (string, error) {
	if s == "" {
		return "", errors.New("an account (key name or address) is required")
	}
	ks, err := c.openKeystore()
	if err != nil {
		return "", err
	}
	for _, e := range ks.List() {
		if e.Name == s {
			return e.Address, nil
		}
	}
	return s, nil
}

// waitFlags are the flags of commands that send an order and wait for its receipt.
type waitFlags struct {
	wait   time.Duration
	noWait bool
	yes    bool
}

func (w *waitFlags) register(fs *flag.FlagSet, confirm bool) {
	fs.DurationVar(&w.wait, "wait", 30*time.Second, "how long to wait for the order's receipt")
	fs.BoolVar(&w.noWait, "no-wait", false, "do not wait: print the order's seq once it is accepted")
	if confirm {
		fs.BoolVar(&w.yes, "yes", false, "do not ask for confirmation")
	}
}

// duration is the wait to ask for: 0 with --no-wait.
func (w *waitFlags) duration() time.Duration {
	if w.noWait {
		return 0
	}
	return w.wait
}
