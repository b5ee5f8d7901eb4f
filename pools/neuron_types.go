package pools

import "github.com/dtaod/dtaod/yuma"

// Weight is one (uid, value) entry of a sparse weights or bonds row, the chain's storage shape.
// It is yuma's type so a subnet's rows go to consensus without a copy.
type Weight = yuma.WeightEntry
