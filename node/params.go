package node

import (
	"context"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/scenario"
)

// SubmitParams makes a sudo parameter change durable in the mempool as a set_params entry
// (scenario.FormatParamsChange): like an order, the next block applies it at its position and
// gives it a receipt, and followers and replays apply the same stored entry at the same point.
// It returns the entry's sequence number. The caller validates the patch (the API parses it with
// scenario.ParseParamsChange); an entry that does not parse gets a failed receipt.
func (n *Node) SubmitParams(ctx context.Context, q *dtaod.ParamsPatch) (int64, error) {
	return n.store.SubmitOrder(ctx, scenario.FormatParamsChange(q))
}

// BlockTime is the time between the blocks this node produces (Config.BlockTime), which
// clients use to pace themselves.
func (n *Node) BlockTime() time.Duration { return n.cfg.BlockTime }
