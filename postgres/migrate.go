package postgres

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dtaod/dtaod/migrations"
)

// DirtyError reports a schema left dirty by a migration that failed half way: golang-migrate
// recorded Version as started but not finished. Nothing migrates until an operator repairs the
// schema and forces the version (Force, or `dtaod migrate force`).
type DirtyError struct {
	Version int
}

// Error says what is wrong and what to do.
func (e *DirtyError) Error() string {
	return fmt.Sprintf("schema is dirty at version %d: a migration failed half way; fix the schema by hand "+
		"and run `dtaod migrate force %d` (or force the version before it)", e.Version, e.Version)
}

// ErrNotMigrated means the database has no dtaod schema (or an older one) than this build needs.
var ErrNotMigrated = errors.New("database schema is not migrated: run `dtaod migrate up`")

// LatestVersion is the version of the newest embedded migration: the schema this build reads.
func LatestVersion() uint {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		panic(fmt.Sprintf("postgres: embedded migrations: %v", err))
	}
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err == nil && uint(v) > latest {
			latest = uint(v)
		}
	}
	return latest
}

// newMigrate opens golang-migrate on the embedded migrations and the database at url (a
// postgres:// URL or key=value DSN; a search_path parameter selects the schema migrated).
func newMigrate(url string) (*migrate.Migrate, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: open migration driver: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		_ = drv.Close()
		return nil, fmt.Errorf("postgres: open embedded migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		_ = src.Close()
		_ = drv.Close()
		return nil, fmt.Errorf("postgres: start migrations: %w", err)
	}
	return m, nil
}

func closeMigrate(m *migrate.Migrate, err error) error {
	srcErr, dbErr := m.Close()
	if err != nil {
		return err
	}
	if srcErr != nil {
		return fmt.Errorf("postgres: close migrations: %w", srcErr)
	}
	if dbErr != nil {
		return fmt.Errorf("postgres: close migration database: %w", dbErr)
	}
	return nil
}

// migrateErr turns golang-migrate's errors into ours: ErrNoChange is success, ErrDirty a
// *DirtyError.
func migrateErr(op string, err error) error {
	var dirty migrate.ErrDirty
	switch {
	case err == nil, errors.Is(err, migrate.ErrNoChange):
		return nil
	case errors.As(err, &dirty):
		return fmt.Errorf("postgres: migrate %s: %w", op, &DirtyError{Version: dirty.Version})
	}
	return fmt.Errorf("postgres: migrate %s: %w", op, err)
}

// MigrateUp applies every embedded migration the database at url lacks. It is a no-op on an
// up-to-date schema and fails with a *DirtyError on a dirty one.
func MigrateUp(url string) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	return closeMigrate(m, migrateErr("up", m.Up()))
}

// MigrateDown reverts every migration: it drops all of dtaod's tables and their data (the
// golang-migrate bookkeeping table schema_migrations stays, at no version).
func MigrateDown(url string) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	return closeMigrate(m, migrateErr("down", m.Down()))
}

// Version reports the schema version of the database at url and whether it is dirty; version 0
// means no migration has been applied.
func Version(url string) (version uint, dirty bool, err error) {
	m, err := newMigrate(url)
	if err != nil {
		return 0, false, err
	}
	version, dirty, err = m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		version, dirty, err = 0, false, nil
	}
	if err != nil {
		err = fmt.Errorf("postgres: migration version: %w", err)
	}
	return version, dirty, closeMigrate(m, err)
}

// Force records version as the schema's clean version without running anything: the way out of
// a dirty schema once an operator has repaired it by hand. version -1 means no version.
func Force(url string, version int) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	err = m.Force(version)
	if err != nil {
		err = fmt.Errorf("postgres: migrate force %d: %w", version, err)
	}
	return closeMigrate(m, err)
}

// Migrate runs a migration command by name, for a command line: "up", "down", "version"
// (which returns e.g. "1" or "1 (dirty)") or "force N" (see Force).
func Migrate(url, command string) (string, error) {
	if f := strings.Fields(command); len(f) == 2 && f[0] == "force" {
		v, err := strconv.Atoi(f[1])
		if err != nil {
			return "", fmt.Errorf("postgres: migrate force: version %q is not a number", f[1])
		}
		return "", Force(url, v)
	}
	switch command {
	case "up":
		return "", MigrateUp(url)
	case "down":
		return "", MigrateDown(url)
	case "version":
		v, dirty, err := Version(url)
		if err != nil {
			return "", err
		}
		out := strconv.FormatUint(uint64(v), 10)
		if dirty {
			out += " (dirty)"
		}
		return out, nil
	}
	return "", fmt.Errorf("postgres: unknown migrate command %q (want up, down, version or force N)", command)
}
