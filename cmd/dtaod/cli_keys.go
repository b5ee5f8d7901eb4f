package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/dtaod/dtaod/keys"
)

// keysUsage is `dtaod keys -h`.
const keysUsage = `  dtaod keys new NAME [--dev] [--no-passphrase]   make a key (--dev: the fixed dev key of NAME, e.g. alice)
  dtaod keys list                                 the keys of the keystore
  dtaod keys show NAME [--secret]                 a key's address (--secret: also its secret seed)

Keys live in --keystore (DTAOD_KEYSTORE, default ~/.dtaod/keys.json, mode 0600), encrypted
with a passphrase (DTAOD_PASSPHRASE, or asked for) unless --no-passphrase.
`

// keysCmd is `dtaod keys new|list|show`: the local keystore of signing keys.
func keysCmd(args []string, stdout, stderr io.Writer) int {
	return dispatch("keys", keysUsage, []subcommand{
		{"new", keysNew},
		{"list", keysList},
		{"show", keysShow},
	}, args, stdout, stderr)
}

// isHelp reports whether a is a request for help.
func isHelp(a string) bool {
	return a == "-h" || a == "-help" || a == "--help" || a == "help"
}

// subcommand is one verb of a command group (the new of `dtaod keys new`).
type subcommand struct {
	name string
	run  func(args []string, stdout, stderr io.Writer) int
}

// dispatch runs a command group's verb, so every group answers alike: no verb prints the
// group's usage to stderr (exit 2), -h prints it to stdout (exit 0), and an unknown verb is a
// usage error that lists the known ones.
func dispatch(group, usage string, subs []subcommand, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "Usage:\n"+usage)
		return exitUsage
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, "Usage:\n"+usage)
		return exitOK
	}
	names := make([]string, len(subs))
	for i, sc := range subs {
		if sc.name == args[0] {
			return sc.run(args[1:], stdout, stderr)
		}
		names[i] = sc.name
	}
	fmt.Fprintf(stderr, "dtaod %s: unknown command %q (want %s)\n", group, args[0], strings.Join(names, ", "))
	return exitUsage
}

// keyJSON is a key as --json shows it.
type keyJSON struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	Encrypted bool   `json:"encrypted"`
	PublicKey string `json:"public_key,omitempty"`
	Secret    string `json:"secret_seed,omitempty"`
	Dev       bool   `json:"dev,omitempty"`
}

func keysNew(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod keys new", "NAME [--dev] [flags]", stdout, stderr)
	dev := c.fs.Bool("dev", false, "store the fixed dev key of NAME (alice, bob, charlie, dave are funded on the dev chain); insecure by design, stored unencrypted")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	name := pos[0]
	ks, err := c.openKeystore()
	if err != nil {
		return c.fail(err)
	}
	var k *keys.Key
	var pass []byte
	if *dev {
		k = keys.DevKey(name)
	} else {
		if k, err = keys.Generate(); err != nil {
			return c.fail(err)
		}
		if pass, err = c.passphrase(fmt.Sprintf("Passphrase for new key %q", name), true); err != nil {
			return c.fail(err)
		}
	}
	if err := ks.Add(name, k, pass); err != nil {
		return c.fail(err)
	}
	if err := ks.Save(); err != nil {
		return c.fail(err)
	}
	encrypted := len(pass) > 0
	if c.json {
		c.printJSON(keyJSON{Name: name, Address: k.Address(), Encrypted: encrypted, Dev: *dev})
		return exitOK
	}
	fmt.Fprintf(stdout, "key %q: %s\n", name, k.Address())
	switch {
	case *dev:
		fmt.Fprintln(stderr, "warning: a dev key: anyone who knows the name can sign for it; use it on dev chains only")
	case !encrypted:
		fmt.Fprintf(stderr, "warning: stored unencrypted in %s: anyone who can read the file can spend from it\n", ks.Path())
	}
	return exitOK
}

func keysList(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod keys list", "[flags]", stdout, stderr)
	if _, code, ok := c.parse(args, 0); !ok {
		return code
	}
	ks, err := c.openKeystore()
	if err != nil {
		return c.fail(err)
	}
	entries := ks.List()
	if c.json {
		out := make([]keyJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, keyJSON{Name: e.Name, Address: e.Address, Encrypted: e.Encrypted})
		}
		c.printJSON(out)
		return exitOK
	}
	if len(entries) == 0 {
		fmt.Fprintf(stdout, "no keys in %s (make one: dtaod keys new NAME)\n", ks.Path())
		return exitOK
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "NAME\tADDRESS\tENCRYPTED")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, e.Address, yesNo(e.Encrypted))
	}
	_ = tw.Flush()
	return exitOK
}

func keysShow(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod keys show", "NAME [--secret] [flags]", stdout, stderr)
	secret := c.fs.Bool("secret", false, "also print the secret seed (hex): anyone who sees it can spend from the account")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	name := pos[0]
	ks, err := c.openKeystore()
	if err != nil {
		return c.fail(err)
	}
	var entry *keys.Entry
	for _, e := range ks.List() {
		if e.Name == name {
			entry = &e
		}
	}
	if entry == nil {
		return c.fail(fmt.Errorf("%w: %q in %s", keys.ErrKeyNotFound, name, ks.Path()))
	}
	out := keyJSON{Name: entry.Name, Address: entry.Address, Encrypted: entry.Encrypted}
	if pub, err := keys.ParseAddress(entry.Address); err == nil {
		out.PublicKey = hex.EncodeToString(pub)
	}
	if *secret {
		k, err := c.key(name) // asks for the passphrase: showing the secret proves you know it
		if err != nil {
			return c.fail(err)
		}
		seed := k.Seed()
		out.Secret = hex.EncodeToString(seed)
		clear(seed)
	}
	if c.json {
		c.printJSON(out)
		return exitOK
	}
	tw := table(stdout)
	fmt.Fprintf(tw, "name\t%s\n", out.Name)
	fmt.Fprintf(tw, "address\t%s\n", out.Address)
	fmt.Fprintf(tw, "public key\t%s\n", out.PublicKey)
	fmt.Fprintf(tw, "encrypted\t%s\n", yesNo(out.Encrypted))
	if out.Secret != "" {
		fmt.Fprintf(tw, "secret seed\t%s\n", out.Secret)
	}
	_ = tw.Flush()
	return exitOK
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
