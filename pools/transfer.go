package pools

import (
	"fmt"

	"github.com/dtaod/dtaod"
)

// transfer moves free TAO between coldkeys. A zero amount is refused rather than recorded as an
// order that did nothing; a transfer to oneself is allowed (it checks the balance and changes
// nothing). The credit is checked before anything is written, so an overflowing recipient
// leaves both balances as they were.
func (st *State) transfer(o *Order) (Receipt, error) {
	if o.Coldkey == "" || o.ToColdkey == "" {
		return Receipt{}, fmt.Errorf("%w: a transfer needs a coldkey and a to_coldkey", dtaod.ErrInvalidArgument)
	}
	amount := dtaod.TAO(o.Amount)
	if amount == 0 {
		return Receipt{}, fmt.Errorf("%w: transfer of 0 rao", dtaod.ErrAmountTooLow)
	}
	have := st.Free[o.Coldkey]
	if have < amount {
		return Receipt{}, fmt.Errorf("%w: %s has %d rao free, sends %d", dtaod.ErrInsufficientBalance, o.Coldkey, have, amount)
	}
	if o.ToColdkey != o.Coldkey {
		to, ok := dtaod.AddTAO(st.Free[o.ToColdkey], amount)
		if !ok {
			return Receipt{}, fmt.Errorf("%w: %s's free balance would exceed u64", dtaod.ErrOverflow, o.ToColdkey)
		}
		st.setFree(o.Coldkey, have-amount)
		st.setFree(o.ToColdkey, to)
	}
	st.Post(ReasonTransfer, UnitTAO, AccountFree(o.Coldkey), AccountFree(o.ToColdkey), uint64(amount), o.Coldkey)
	return Receipt{TAO: amount}, nil
}

// faucet mints free TAO. Issuance grows by exactly what is minted, so the conservation identity
// (total_issuance - held TAO) is unchanged and Check keeps passing; both additions are checked
// before either is written.
func (st *State) faucet(o *Order) (Receipt, error) {
	if o.Coldkey == "" {
		return Receipt{}, fmt.Errorf("%w: a faucet order needs a coldkey", dtaod.ErrInvalidArgument)
	}
	amount := dtaod.TAO(o.Amount)
	if amount == 0 {
		return Receipt{}, fmt.Errorf("%w: faucet of 0 rao", dtaod.ErrAmountTooLow)
	}
	free, ok := dtaod.AddTAO(st.Free[o.Coldkey], amount)
	if !ok {
		return Receipt{}, fmt.Errorf("%w: %s's free balance would exceed u64", dtaod.ErrOverflow, o.Coldkey)
	}
	issuance, ok := dtaod.AddTAO(st.TotalIssuance, amount)
	if !ok {
		return Receipt{}, fmt.Errorf("%w: total issuance would exceed u64", dtaod.ErrOverflow)
	}
	st.setFree(o.Coldkey, free)
	st.TotalIssuance = issuance
	st.Post(ReasonFaucet, UnitTAO, AccountIssuance, AccountFree(o.Coldkey), uint64(amount), o.Coldkey)
	return Receipt{TAO: amount}, nil
}

// setFree writes a free balance, dropping the entry at zero as the other operations do (a state
// lists no zero balances).
func (st *State) setFree(coldkey string, v dtaod.TAO) {
	if v == 0 {
		delete(st.Free, coldkey)
		return
	}
	st.Free[coldkey] = v
}
