package mem_test

import (
	"testing"

	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
	"github.com/dtaod/dtaod/store/storetest"
)

// TestConformance runs the store conformance suite on the in-memory store.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := mem.New()
		t.Cleanup(s.Close)
		return s
	})
}
