package postgres

import (
	"testing"

	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/storetest"
)

// TestStore runs the store conformance suite; every subtest gets a fresh, migrated schema.
func TestStore(t *testing.T) {
	baseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, migratedSchema(t))
	})
}
