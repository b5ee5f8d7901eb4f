package scenario

// Help documents every field of a scenario file, for `dtaod backtest -h`. It lives next to the
// parser so that a field added to one is added to the other in the same change.
const Help = `A scenario file (JSON, or YAML with the same fields) describes a starting network
state, chain parameters and user actions; the backtest simulates it and writes one JSON object
per recorded block. Examples: examples/basic.yaml (small, commented),
examples/bench-128x30d.json (128 subnets, 30 days), examples/bench-yuma-128x320x30d.yaml (the
same with 64 validators x 256 miners per subnet setting weights: Yuma consensus) and
testdata/golden-yuma-2x72.json (neurons, weights, registrations).

GENERAL RULES
  Unknown fields are errors, reported with their path (e.g. params.tao_weightt). Duplicate keys
  are errors. A field set to null counts as absent. A bad file exits with code 2 and no output.
  amount   integer in base units (rao; 1 TAO = 1e9 rao; alpha uses the same 1e-9 unit), written
           as a number (1000000000) or a string of digits ("1000000000"); 0..18446744073709551615.
           Negative, fractional ("1.5", "1.0") and exponent ("1e9") forms are errors.
  decimal  non-negative decimal, as a string ("0.18") or a number (0.18, 3e-06); exact, at most
           18 fractional digits, never rounded; NaN and infinity are errors.
  integer  a number or a string of digits. address: any non-empty string (SS58 not required).
  bool     true or false (YAML yes/no and strings are not booleans).

TOP LEVEL
  version      integer  required, must be 1
  name         string   label copied into every output record                     default ""
  seed         integer  int64 seed for anything random (agents)                   default 0
  start_block  integer  block number of state; the first simulated block is
                        start_block+1                                            default 0
  blocks       integer  how many blocks to simulate, >= 1 (start_block+blocks must fit u64)
                        required
  record       object   which blocks produce a record, see RECORD
  params       object   chain parameters, see PARAMS                      default launch values
  regimes      list     parameter changes over time, see REGIMES                   default []
  state        object   the starting state, see STATE                        default empty net
  actions      list     user operations at given blocks, see ACTIONS               default []

RECORD
  every     integer  write a record at every block B with (B - start_block) mod every == 0, and
                     always after the last block; >= 1                            default 1
  accounts  bool     also write balances and stakes of every coldkey in each record
                                                                                  default false
  bonds     bool     also write each neuron's bonds row in epochs[].neurons[]     default false
  neurons   bool     write epochs[].neurons[] at all; false for whole-network studies, where
                     128 subnets x 320 neurons would write gigabytes              default true

PARAMS (defaults are the chain's values at the dTAO launch, Feb 2025)
  block_emission               amount   TAO minted per block before any halving  1000000000
  total_supply                 amount   TAO cap                            21000000000000000
  halving                      string   "issuance": emission halves as issuance crosses 1/2,
                                        3/4, 7/8... of supply; "none": constant until the cap
                                                                                  "issuance"
  emission_share               string   how a block's TAO is split across subnets:
                                        "moving_price", "spot_price" or "tao_reserve"; other
                                        rules ("flow"...) are not implemented (exit 2)
                                                                              "moving_price"
  tao_weight                   decimal  weight of root TAO against subnet alpha, <= 1   "0.18"
  moving_price_alpha           decimal  EMA factor of the moving price, <= 1        "0.000003"
  moving_price_halving_blocks  integer  ramp h of the EMA factor (alpha*b/(b+h)); 0 = no ramp
                                                                                           0
  owner_cut                    decimal  subnet owner's share of alpha_out, <= 1          "0.18"
  staking_fee                  amount   flat fee per stake/unstake                      50000
  min_stake                    amount   smallest stake/unstake amount                  500000
  min_pool_liquidity           amount   a swap may not leave a reserve below this    10000000
  default_tempo                integer  blocks between epochs for subnets without their own
                                        tempo, 0..65535 (0 = never)                       360
  validator_take               decimal  default hotkey take on dividends, <= 1          "0.18"
  consensus                    string   how an epoch splits a subnet's alpha: "yuma": Yuma
                                        consensus over the weights when any are set, else the
                                        fallback (all of it to validators by stake weight);
                                        "aggregate": always the stake-only split (fast
                                        whole-network studies)                        "yuma"
  registration_burn            amount   TAO burned to register a neuron          1000000000
  max_allowed_uids             integer  neuron slots per subnet, 0..65535               256
  max_allowed_validators       integer  validator permits per subnet (the top k by stake
                                        weight at each epoch), 0..65535                 128
  immunity_period              integer  blocks after registration during which a neuron is
                                        not replaced by a new one (when the subnet is full)
                                                                                       4096
  activity_cutoff              integer  blocks after its last weights a validator counts as
                                        inactive                                       5000
  weights_rate_limit           integer  blocks between two set_weights of one hotkey    100
  kappa                        decimal  consensus majority (the stake-weighted median of
                                        the weights on a miner), <= 1                  "0.5"
  bonds_moving_average         decimal  memory of the bonds EMA, <= 1                  "0.9"
  network_min_lock             amount   smallest subnet lock cost; a new subnet's pool
                                        starts with this much TAO and alpha      1000000000
  network_lock_reduction_interval
                               integer  blocks over which the lock cost decays back to the
                                        minimum, >= 1                                100800
  subnet_limit                 integer  most subnets (root not counted), 0..65535       128

REGIMES: a list of
  from_block  integer  required; the change takes effect at this block, before its coinbase
  params      object   required; any PARAMS fields, the others keep their values
  Regimes apply in from_block order (file order for equal blocks).

STATE
  total_issuance  amount  TAO issued so far; drives the halving                       default 0
  root_tao        amount  TAO staked on root (netuid 0); default and minimum: the sum of the
                          root stakes listed (more = stake of accounts the file does not name)
  subnets         list    of objects:
    netuid                integer  required, 1..65535, unique (root, 0, always exists)
    tao_in                amount   TAO reserve of the pool                            default 0
    alpha_in              amount   alpha reserve of the pool                          default 0
    alpha_out             amount   alpha held outside the pool; default and minimum: the sum
                                   of the stakes listed on this subnet
    moving_price          decimal  at most 18.446744073709551615                    default "0"
    tempo                 integer  0..65535                      default params.default_tempo
    registration_allowed  bool     false: the subnet gets no TAO emission and refuses neuron
                                   registrations                                default true
    owner_coldkey         string   receives the owner cut ("" or absent: no owner)
    owner_hotkey          string   the owner's hotkey
    max_allowed_uids      integer  neuron slots, 0..65535; state.neurons may not list more
                                   on this subnet               default params.max_allowed_uids
    max_allowed_validators integer validator permits, 0..65535
                                                          default params.max_allowed_validators
  balances        list    of {coldkey: address, required, unique; free: amount, required}
  stakes          list    of {coldkey, hotkey: address; netuid: 0 (root, amount in TAO) or a
                          listed subnet; alpha: amount}, all required; each (coldkey, hotkey,
                          netuid) at most once
  neurons         list    of objects, the registered hotkeys; UIDs follow list order per subnet
                          (0, 1, ...). Only registered hotkeys earn at an epoch.
    netuid                integer  required, a listed subnet
    hotkey                address  required, unique on its subnet
    coldkey               address  required; owns the hotkey and receives its take
    registered_at         integer  block it registered at (immunity_period)       default 0
    last_update           integer  block it last set weights (activity_cutoff)    default 0
    validator_permit      bool     absent on every neuron of a subnet: the engine gives the
                                   permits at the start, to the top max_allowed_validators by
                                   stake weight; given on any neuron of a subnet: absent = false
  weights         list    of {netuid: a listed subnet; hotkey: a neuron of it; weights: object
                          mapping uid to value}, all required, at most one row per (netuid,
                          hotkey): the weights the hotkey has set. Keys are uids in decimal
                          digits ("0", "12"; YAML may write 0, 12), each below the number of
                          neurons listed on that subnet, each uid once ("1" and "01" are the
                          same uid), in any order; values are integers 0..65535 (a number or a
                          string of digits). {} is an empty row.              default []
  bonds           list    the same shape with the key bonds instead of weights: the bonds the
                          hotkey holds at the start (Yuma's EMA of clipped weights)  default []
  network_last_lock        amount   the lock cost paid for the last subnet registered
                                                                                  default 0
  network_last_lock_block  integer  the block it was paid at; with both 0 (no subnet was
                                    registered by lock) the next costs network_min_lock
                                                                                  default 0

ACTIONS: a list of objects, each with
  block  integer  required, start_block < block <= start_block+blocks
  type   string   required, one of the types below
  Within a block, actions run after the coinbase in file order; a failing action is recorded
  with its error code and changes nothing. Netuids are 0..65535 and need not be listed (an
  unknown subnet fails at run time with SUBNET_NOT_FOUND). Optional on the five stake orders
  (add_stake to swap_stake), and only there:
  limit_price (decimal: worst final pool price in TAO per alpha, a ceiling when buying and a
  floor when selling; for moves across subnets the ratio price(from)/price(to)) and
  allow_partial (bool, default false: fill what the limit allows instead of failing).
  add_stake       coldkey, hotkey, netuid, amount (TAO): swap TAO for alpha, credit the stake
  remove_stake    coldkey, hotkey, netuid, amount (alpha): swap alpha for TAO, credit free TAO
  move_stake      coldkey, from_hotkey, to_hotkey, from_netuid, to_netuid, amount (alpha):
                  remove then add, through both pools when the netuids differ
  transfer_stake  coldkey, to_coldkey, hotkey, from_netuid, to_netuid, amount (alpha): as a
                  move, to another coldkey
  swap_stake      coldkey, hotkey, from_netuid, to_netuid, amount (alpha): as a move, same
                  hotkey, other subnet (an extension of the contract)
  register_neuron coldkey, hotkey, netuid: coldkey burns registration_burn from its free TAO
                  and hotkey takes the next uid; on a full subnet, the uid of the neuron with
                  the lowest pruning score outside its immunity_period
  set_weights     hotkey, netuid, weights (object uid -> value, as in state.weights; uids
                  0..65535, each once, any order): the hotkey's new weights on the subnet,
                  max-upscaled so the largest is 65535. The engine checks them at run time
                  (HOTKEY_NOT_REGISTERED, NO_VALIDATOR_PERMIT, WEIGHTS_RATE_LIMITED,
                  INVALID_UID, INVALID_WEIGHTS for none or all zero)
  register_subnet coldkey, hotkey: coldkey pays the lock cost (the last lock x 2, decaying
                  over network_lock_reduction_interval, never below network_min_lock) for a
                  new subnet at the lowest free netuid, owned by coldkey and hotkey (uid 0)
  transfer        coldkey, to_coldkey, amount (TAO): move free TAO between coldkeys
  faucet          coldkey, amount (TAO): mint free TAO to coldkey; total issuance grows by it
  set_params      params (object, required, any PARAMS fields): like a regime, now

OUTPUT: one JSON object per recorded block (R = integer in base units, D = decimal string)
  name, block, block_emission (R), total_issuance (R)
  subnets[]   netuid, tao_in, alpha_in, alpha_out, price (D), moving_price (D),
              tao_in_emission, alpha_in_emission, alpha_out_emission (what this block's coinbase
              injected), owner_cut, root_divs_tao (what it set aside)
  actions[]   actions run since the previous record: index (0-based position in the file),
              type, ok; when ok: tao, alpha, fee; when not: error (a stable code such as
              AMOUNT_TOO_LOW, INSUFFICIENT_BALANCE, INSUFFICIENT_STAKE, INSUFFICIENT_LIQUIDITY,
              SLIPPAGE_TOO_HIGH, SUBNET_NOT_FOUND). add_stake: tao = TAO debited incl. fee,
              alpha = alpha credited; remove_stake: tao = TAO credited net of fee, alpha = alpha
              sold; moves: tao = TAO between the legs, alpha = alpha credited, fee = both halves;
              set_params: ok with 0 amounts; register_neuron: uid (the uid taken), tao = the
              burn paid; set_weights: uid (the hotkey's), 0 amounts; register_subnet: netuid
              (the subnet created), tao = the lock paid
  epochs[]    epochs since the previous record: netuid, block, mode (fallback|yuma|aggregate),
              alpha_paid, root_tao_paid, owner_cut_paid, undistributed, and
    neurons[] every registered neuron, in uid order: uid, hotkey, stake_weight, rank, trust,
              consensus, incentive, dividends, validator_trust (u16 proportions of 65535, as
              the chain stores them), validator_permit, active (bools), emission (alpha,
              incentive_alpha + dividends_alpha), incentive_alpha (as a miner),
              dividends_alpha (as a validator, before the root split and take), bonds (only
              with record.bonds: [[uid, value], ...], u16); stake_weight = alpha stake +
              tao_weight x root stake, in alpha base units
  balances[]  coldkey, free                    (with record.accounts; sorted, zeros omitted)
  stakes[]    coldkey, hotkey, netuid, alpha   (with record.accounts; sorted, zeros omitted)
  The record for block B is the state after B's coinbase and actions. The same file and seed
  give byte-identical output on every run.
`
