// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastErrors} from "./IBallastErrors.sol";

/// @title IBallastBreakers
/// @notice Whether trading is safe now: a Ballast vault's circuit breakers, kept apart from the
/// trigger rules ({IBallastPolicy}: whether a rebalance is due) so that each can be tuned or replaced
/// on its own. A breakers contract serves any number of vaults: its record (a trip) is kept per
/// calling rebalancer, its parameters are shared. The rebalancer runs {checkBreakers} in every
/// rebalance (no other call runs it), and reports `BreakerTripped` when {holds} or when {refusal}
/// says a due rebalance would be refused.
///
/// Two kinds of failure. A trip latches (recorded, holds at least `cooldown`) and is kept for
/// evidence nobody can fake within one transaction, or cheaply. A refusal stops the trade of the
/// call that saw it and records nothing, so that the next check judges afresh: what one transaction
/// (or a few cheap ones) can show must not outlive it, or an outsider could halt rebalancing at will.
/// Nothing here depends on a transaction coming only to keep it: the sliding windows (moves, invalid
/// prices) read the oracles' own round histories, and a trip lapses by itself after its cooldown.
interface IBallastBreakers is IBallastErrors {
    /// @notice Why a breaker tripped, or why a check refused trading without tripping (see
    /// {checkBreakers}).
    enum Trip {
        None,
        OracleTwapDivergence,
        SpotTwapDivergence,
        Dislocation,
        SequencerDown,
        TwapUnavailable,
        InvalidPrice
    }

    /// @notice Circuit-breaker bounds (each check is off while its bound is 0).
    /// @param twapWindow Seconds of the pools' TWAP the checks compare against (0: no pool checks).
    /// @param maxOracleTwapDeviationBps Largest gap between the oracle price and the pool's TWAP.
    /// @param maxSpotTwapTicks Largest gap between a pool's spot tick and its TWAP tick (1 tick ~ 1 bp):
    /// beyond it, someone is moving the pool right now. Refuses the check's trade, never latches: a
    /// spot price can be pushed and unwound within one transaction.
    /// @param maxMoveBps Largest oracle price move of any asset (in the base asset) within `moveWindow`:
    /// the price now against the one in force `moveWindow` ago, read from each oracle's own round
    /// history ({IBallastPriceHistory-priceAt}), so the window slides and needs no keeper.
    /// @param moveWindow Seconds over which `maxMoveBps` is measured.
    /// @param cooldown A trip holds at least this long, then clears itself at the first check that
    /// finds every condition healthy (governance can also reset it); and the window of
    /// `tripOnInvalidPrice`.
    /// @param sequencerFeed Chainlink L2 sequencer uptime feed (zero on L1).
    /// @param sequencerGracePeriod Seconds after the sequencer comes back before trading resumes.
    /// @param tripOnInvalidPrice Whether trading waits `cooldown` after every price is valid again,
    /// rather than resuming at the first valid answer of a feed that may be flapping: an oracle whose
    /// own history shows an invalid price (stale, zero, negative) at any moment of the last `cooldown`
    /// seconds refuses trading ({Trip-InvalidPrice}; {IBallastPriceHistory-validSince}). A sliding
    /// window: no transaction has to see the outage, and nothing is recorded.
    struct BreakerParams {
        uint32 twapWindow;
        uint16 maxOracleTwapDeviationBps;
        uint16 maxSpotTwapTicks;
        uint16 maxMoveBps;
        uint32 moveWindow;
        uint32 cooldown;
        address sequencerFeed;
        uint32 sequencerGracePeriod;
        bool tripOnInvalidPrice;
    }

    /// @notice What the vault hands the breaker checks for one asset: the pool its trades go through
    /// first, and what `amount` raw units of the asset are worth in the pool's other token (raw
    /// units) by the oracles. Amounts, not a WAD ratio: a whole token times 1e18 keeps 18 significant
    /// digits of a price however small, where a ratio of raw units can round to 0.
    /// @param pool The pool (zero: not checked).
    /// @param assetIsToken0 Whether the asset is the pool's token0.
    /// @param amount Raw units of the asset the comparison quotes.
    /// @param fairQuote What `amount` is worth in the pool's other token at oracle prices, raw units.
    struct PoolCheck {
        address pool;
        bool assetIsToken0;
        uint256 amount;
        uint256 fairQuote;
    }

    /// @notice Emitted when a breaker trips for `vault` (a rebalancer); `index` is the basket asset
    /// concerned.
    event BreakerTripped(address indexed vault, Trip reason, uint256 index);

    /// @notice Emitted when a check refuses `vault`'s trading now without tripping its breaker: a pool's
    /// spot price far from its TWAP ({Trip-SpotTwapDivergence}), a pool whose observations no longer
    /// reach the TWAP window ({Trip-TwapUnavailable}), an oracle/TWAP gap measured over the shorter
    /// window such a pool still reaches ({Trip-OracleTwapDivergence}), or an oracle whose history
    /// shows an invalid price within the last `cooldown` ({Trip-InvalidPrice}). `index` is the
    /// basket asset.
    event TradingRefused(address indexed vault, Trip reason, uint256 index);

    /// @notice Emitted when `vault`'s breaker resets (by itself after its cooldown, or by governance).
    event BreakerReset(address indexed vault, bool byGovernance);

    /// @notice Emitted when the breaker bounds change.
    event BreakerParamsSet(BreakerParams oldParams, BreakerParams newParams);

    /// @notice Emitted when the observations a watched pool must be able to hold change.
    event MinObservationsSet(uint256 oldObservations, uint256 newObservations);

    /// @notice Runs the calling vault's circuit breakers on its oracle `prices` (USD WAD, base first,
    /// all valid) and its pools, and returns whether the vault must not trade now. The caller's oracles
    /// are read through its `oracles()` ({IBallastRebalancer-oracles}) for the history checks.
    ///
    /// What latches the breaker (event {BreakerTripped}) for its cooldown, after which {holds} no
    /// longer reports it; each check then refuses while a latching condition lasts (without a new
    /// cooldown: a condition timed at each lapse buys no more than that call's refusal) and clears the
    /// breaker at the first that finds every condition healthy: the sequencer down, an oracle price
    /// far from its pool's TWAP over the full `twapWindow`, an oracle move beyond `maxMoveBps` within
    /// `moveWindow`, and a pool younger than the TWAP window (its observations never wrapped: a
    /// configuration matter nobody outside can cause).
    ///
    /// What only refuses the current trade (event {TradingRefused}, nothing recorded): a pool's spot
    /// tick far from its TWAP (pushed now, perhaps to be unwound in the same transaction), a pool
    /// whose observation ring no longer reaches the window (written over, which costs only gas): its
    /// checks then run over the window the ring still reaches, and refuse below `MIN_TWAP_WINDOW`;
    /// and, with `tripOnInvalidPrice`, an oracle whose history shows an invalid price within the last
    /// `cooldown` (a window that slides by itself: a record would only hold it longer).
    function checkBreakers(uint256[] calldata prices, PoolCheck[] calldata pools) external returns (bool refused);

    /// @notice What {checkBreakers} would find now if `vault` called it with `prices` and `pools`:
    /// the condition that latches or refuses (the first that latches, else the first that refuses)
    /// and its basket asset, else a trip that holds; `(None, 0, false)` when the check would let the
    /// vault trade. `records` is true when the check would record a new trip (a latching condition
    /// while no trip is recorded): the only refusal a call still changes anything by.
    function refusal(
        address vault,
        uint256[] calldata prices,
        PoolCheck[] calldata pools
    ) external view returns (Trip reason, uint256 index, bool records);

    /// @notice Whether `vault`'s recorded trip holds: tripped less than `cooldown` ago. A status can
    /// answer from it without reading any price.
    function holds(address vault) external view returns (bool);

    /// @notice `vault`'s breaker: why it tripped (None if not), for which asset, and when.
    function breaker(address vault) external view returns (Trip reason, uint256 index, uint256 trippedAt);

    /// @notice Resets `vault`'s tripped breaker (governance), e.g. once a dislocation is understood.
    /// Reverts with {BallastBreakerNotTripped} when nothing is recorded. A refusal has no record to
    /// reset: it ends with its condition.
    function resetBreaker(address vault) external;

    /// @notice The breaker bounds in force.
    function breakerParams() external view returns (BreakerParams memory);

    /// @notice Sets the breaker bounds (governance). Reverts when out of bounds
    /// ({BallastParameterOutOfRange}) or unchanged ({BallastParameterUnchanged}).
    function setBreakerParams(BreakerParams calldata params) external;

    /// @notice The oracle observations (`observationCardinalityNext`) a pool must be able to hold
    /// before a vault's governance lists an asset or sets routes that make the breakers watch it: the
    /// TWAP window's worth at the chain's block time with a margin (one observation a block), so that
    /// nobody can write its ring over within the window. 0: no requirement. Deployments set it per
    /// chain (twice `twapWindow / blockTime`).
    function minObservations() external view returns (uint256);

    /// @notice Sets {minObservations} (governance; a pool holds at most 65,535). Reverts when
    /// unchanged.
    function setMinObservations(uint16 observations) external;
}
