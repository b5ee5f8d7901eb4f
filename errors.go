package dtaod

import "errors"

// Error is a failure with a stable machine-readable code. Codes are part of the scenario and API
// contracts (they appear in backtest records and problem+json bodies), so they never change once
// published; the message is for people and may.
type Error struct {
	code string
	msg  string
}

// Error returns the human-readable message.
func (e *Error) Error() string { return e.msg }

// Code returns the stable code, e.g. "AMOUNT_TOO_LOW".
func (e *Error) Code() string { return e.code }

// The sentinels of an operation on stake or a pool. Callers wrap them with %w to add detail and
// compare with errors.Is; CodeOf recovers the stable code through any wrapping.
var (
	ErrAmountTooLow          = &Error{"AMOUNT_TOO_LOW", "amount below the minimum"}
	ErrInsufficientBalance   = &Error{"INSUFFICIENT_BALANCE", "free balance too low"}
	ErrInsufficientStake     = &Error{"INSUFFICIENT_STAKE", "stake too low"}
	ErrInsufficientLiquidity = &Error{"INSUFFICIENT_LIQUIDITY", "pool reserve would fall below the minimum liquidity"}
	ErrSlippageTooHigh       = &Error{"SLIPPAGE_TOO_HIGH", "the order would cross its limit price"}
	ErrSubnetNotFound        = &Error{"SUBNET_NOT_FOUND", "no such subnet"}
	ErrOverflow              = &Error{"OVERFLOW", "amount out of range"}

	// Neurons, weights and subnet registration.
	ErrRegistrationDisabled = &Error{"REGISTRATION_DISABLED", "the subnet does not allow registration"}
	ErrAlreadyRegistered    = &Error{"ALREADY_REGISTERED", "the hotkey is already registered on the subnet"}
	ErrNoNeuronSlot         = &Error{"NO_NEURON_SLOT", "the subnet has no neuron slots"}
	ErrNotRegistered        = &Error{"HOTKEY_NOT_REGISTERED", "the hotkey is not registered on the subnet"}
	ErrNoValidatorPermit    = &Error{"NO_VALIDATOR_PERMIT", "the hotkey has no validator permit"}
	ErrRateLimited          = &Error{"WEIGHTS_RATE_LIMITED", "weights were set too recently"}
	ErrInvalidUID           = &Error{"INVALID_UID", "no neuron has this uid"}
	ErrInvalidWeights       = &Error{"INVALID_WEIGHTS", "invalid weights"}
	ErrSubnetLimit          = &Error{"SUBNET_LIMIT_REACHED", "the network has the maximum number of subnets"}
	ErrInvalidArgument      = &Error{"INVALID_ARGUMENT", "invalid argument"}
)

// CodeOf returns the stable code of err, or "INTERNAL" for an error that carries none (a bug:
// every failure an operation can return on purpose has a code).
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return "INTERNAL"
}
