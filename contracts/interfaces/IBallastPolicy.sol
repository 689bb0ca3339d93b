// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastErrors} from "./IBallastErrors.sol";
import {IBallastOracle} from "./IBallastOracle.sol";

/// @title IBallastPolicy
/// @notice When a Ballast vault may rebalance, and how far: the trigger rules, kept out of the vault
/// so that governance can tune or replace them without touching custody. A policy serves any number
/// of vaults: its state (last rebalance) is kept per calling vault, its parameters are shared.
///
/// Rules: a rebalance is due when the basket's largest drift reaches the trigger band (optionally
/// scaled by the basket's realised volatility, see {VolatilityParams}), or when the
/// calendar interval has passed since the last one and something drifts beyond the target band;
/// never within the cooldown after the last one. Trades then bring each drifting weight back to the
/// edge of the target band (hysteresis: trading to the edge, not the target, is what minimises cost).
interface IBallastPolicy is IBallastErrors {
    /// @notice Why a rebalance is or is not due. The rebalancer reports PriceUnavailable, then
    /// Paused, then BreakerTripped while its breakers' trip holds ({IBallastBreakers-holds}),
    /// before asking the policy, which reports Cooldown, then Due, then DueByCalendar, else NotDue
    /// (the policy itself never reports BreakerTripped). Of a due rebalance, the rebalancer then
    /// reports BreakerTripped when its breakers would refuse it without recording a trip
    /// ({IBallastBreakers-refusal}: one that would record a new trip stays due, as that call is what
    /// records it); Uneconomic when its cost exceeds its benefit (see {assessCost}), and
    /// PriceUnavailable when its cost cannot be priced (the gas token's oracle fails); LegUnfit
    /// when the vault would refuse it now: a leg's pool pushed beyond the pool-gap bound, or no part
    /// of a leg its pools can fill (see {IBallastErrors-BallastLegUnfit}).
    enum Status {
        Due,
        DueByCalendar,
        NotDue,
        Cooldown,
        Paused,
        PriceUnavailable,
        BreakerTripped,
        Uneconomic,
        LegUnfit
    }

    /// @notice The trigger parameters.
    /// @param triggerBandBps A rebalance is due once the largest drift reaches this.
    /// @param targetBandBps Trades stop at target +- this (0 trades to the exact target); below the trigger band.
    /// @param cooldown Seconds after a rebalance during which no other may run.
    /// @param calendarInterval Seconds after which a rebalance is due below the trigger band (0 = never).
    struct TriggerParams {
        uint16 triggerBandBps;
        uint16 targetBandBps;
        uint32 cooldown;
        uint32 calendarInterval;
    }

    /// @notice How the trigger band follows realised volatility (all zero: it does not).
    /// @param referenceVolBps Annualised volatility at which the band equals `triggerBandBps`; 0 turns
    /// the scaling off. The band scales with the cube root of variance (volatility^(2/3)), the
    /// exponent of the optimal no-trade band under proportional costs (see docs/policy.md).
    /// @param minBandBps Floor of the scaled trigger band (kept above the target band).
    /// @param maxBandBps Cap of the scaled trigger band.
    /// @param averagingTime Seconds: each change a feed published `dt` after its previous sampled
    /// round moves the variance estimate by `dt / (dt + averagingTime)` of the way to that change's
    /// annualised squared return (see {observe}); a fresh estimate reads this much history.
    /// @param minObservationInterval Observations closer together than this are ignored, so that
    /// repeated calls cannot choose how the feeds' history is split more often than this (see
    /// docs/policy.md: what timing can still do, within the band's floor and cap).
    struct VolatilityParams {
        uint32 referenceVolBps;
        uint16 minBandBps;
        uint16 maxBandBps;
        uint32 averagingTime;
        uint32 minObservationInterval;
    }

    /// @notice Emitted when the trigger parameters change.
    event TriggerParamsSet(TriggerParams oldParams, TriggerParams newParams);

    /// @notice Emitted when the volatility parameters change.
    event VolatilityParamsSet(VolatilityParams oldParams, VolatilityParams newParams);

    /// @notice Emitted when `vault`'s prices are taken into its volatility estimate.
    event Observed(address indexed vault, uint256 timestamp, uint256[] variancesWad);

    /// @notice Emitted when `vault` records a rebalance.
    event RebalanceRecorded(address indexed vault, uint256 timestamp);

    /// @notice The cost-efficiency gate. A rebalance trades only if its estimated cost is at most
    /// its benefit times `maxCostRatioBps / 10_000` (0 turns the gate off).
    /// @param benefitPerBpWad Benefit of removing one basis point of total drift (the sum over assets
    /// of |weight - target|), as a fraction of NAV (WAD: 1e14 = 1 bp of NAV per bp removed).
    /// @param maxCostRatioBps Largest cost / benefit ratio a rebalance may have, bps; 0 = gate off.
    /// @param gasBase Gas of a rebalance besides its swaps.
    /// @param gasPerHop Gas of each pool hop of each swap.
    /// @param gasTokenOracle USD price of the chain's gas token (ETH), which values the gas at the
    /// block's base fee; zero leaves gas out of the cost.
    struct CostParams {
        uint64 benefitPerBpWad;
        uint32 maxCostRatioBps;
        uint32 gasBase;
        uint32 gasPerHop;
        IBallastOracle gasTokenOracle;
    }

    /// @notice One planned swap, as the vault hands it to {assessCost}.
    /// @param route Its Uniswap V3 path.
    /// @param amountIn Exact input, raw units of the route's first token.
    /// @param valueIn Oracle value of the input, base-asset units.
    /// @param fairOut Output at oracle prices, raw units of the route's last token.
    struct Trade {
        bytes route;
        uint256 amountIn;
        uint256 valueIn;
        uint256 fairOut;
    }

    /// @notice A planned rebalance, as the vault hands it to {assessCost}.
    /// @param factory The Uniswap V3 factory of the routes' pools.
    /// @param nav NAV at oracle prices, base-asset units.
    /// @param driftRemovedBps Total drift (sum over assets of |weight - target|) the trades remove.
    /// @param basePriceWad The base asset's USD price (WAD); `baseUnit` its `10 ** decimals`.
    struct CostInput {
        address factory;
        uint256 nav;
        uint256 driftRemovedBps;
        uint256 basePriceWad;
        uint256 baseUnit;
        Trade[] trades;
    }

    /// @notice Emitted when the cost-efficiency gate's parameters change.
    event CostParamsSet(CostParams oldParams, CostParams newParams);

    /// @notice The cost-efficiency gate's parameters in force.
    function costParams() external view returns (CostParams memory);

    /// @notice Whether {assessCost} can refuse a plan or fail: `maxCostRatioBps` or a gas-token oracle
    /// is set. When not, it answers `worthIt` whatever the trades, and a vault need not price them.
    /// One storage read, where {costParams} takes two.
    function costGateActive() external view returns (bool);

    /// @notice Sets the cost-efficiency gate's parameters (governance). Reverts when out of bounds
    /// or unchanged.
    function setCostParams(CostParams calldata params) external;

    /// @notice Estimated cost and benefit of a planned rebalance, in base-asset units, and whether
    /// it is worth trading. Cost: for each trade, the oracle value lost between its input and the
    /// output its route's pools would give now (each hop's fee, and its price impact on the
    /// in-range liquidity, which includes any gap between the pool price and the oracle; a trade a
    /// pool would price better than the oracle counts 0), plus gas (`gasBase + gasPerHop * hops`) at
    /// the block's base fee. Benefit: `nav * driftRemovedBps * benefitPerBpWad / 1e18`. Cost rounds
    /// up and benefit down. Reverts with {BallastPriceUnavailable} if the gas token's price is invalid.
    function assessCost(CostInput calldata input) external view returns (uint256 cost, uint256 benefit, bool worthIt);

    /// @notice The smallest trade the cost gate could find worth its own leg, in base-asset units: a
    /// trade of value `v` removes at most `2 v / NAV` of total drift (when both weights it moves
    /// move toward target), worth `2 v 10_000 benefitPerBpWad / 1e18`, which must cover a leg's gas
    /// (`gasPerHop` at the block's base fee, through the gas-token oracle, rounded up) at
    /// `maxCostRatioBps`. Rounded up. A floor, not a verdict: a trade above it may still not pay.
    /// 0 when the gate is off, values no drift or no gas, or the gas token's price is invalid (the
    /// gate itself then refuses). Planners leave smaller trades out.
    /// @param basePriceWad The base asset's USD price, WAD.
    /// @param baseUnit One base token in its smallest units (10 ** decimals).
    function minLegValue(uint256 basePriceWad, uint256 baseUnit) external view returns (uint256);

    /// @notice The trigger parameters in force.
    function triggerParams() external view returns (TriggerParams memory);

    /// @notice When `vault` last recorded a rebalance (0 = never).
    function lastRebalance(address vault) external view returns (uint256);

    /// @notice Whether `vault`, whose largest drift is `driftBps`, may rebalance now, and the band its
    /// trades stop at. Independent of the caller.
    function evaluate(address vault, uint256 driftBps) external view returns (Status status, uint256 targetBandBps);

    /// @notice Records a rebalance of the calling vault now (starts its cooldown and calendar).
    function recordRebalance() external;

    /// @notice The policy's whole say on one rebalance, in one call ({decide}, {decision}).
    /// @param status Cooldown, then Due when the drift reaches `triggerBandBps`, then DueByCalendar,
    /// else NotDue: as {evaluate} for every basket of two assets or more (a vault's).
    /// @param targetBandBps As {evaluate}: the band trades stop at.
    /// @param triggerBandBps As {effectiveTriggerBand}.
    /// @param minLegValue As {minLegValue}.
    /// @param costGateActive As {costGateActive}.
    struct Decision {
        Status status;
        uint256 targetBandBps;
        uint256 triggerBandBps;
        uint256 minLegValue;
        bool costGateActive;
    }

    /// @notice {observe} for the calling vault, then {decision} for it on the estimate just observed:
    /// what a rebalancer asks before it trades, in one call (and the estimate folded once).
    /// @param driftBps The vault's largest drift.
    /// @param basePriceWad The base asset's USD price, WAD; `baseUnit` its `10 ** decimals`.
    function decide(uint256 driftBps, uint256 basePriceWad, uint256 baseUnit) external returns (Decision memory);

    /// @notice What {decide} would answer for `vault` now, storing nothing: {evaluate},
    /// {effectiveTriggerBand}, {minLegValue} and {costGateActive} in one call.
    function decision(
        address vault,
        uint256 driftBps,
        uint256 basePriceWad,
        uint256 baseUnit
    ) external view returns (Decision memory);

    /// @notice Folds the rounds the calling vault's oracles published since the last rounds it folded
    /// ({IBallastPriceHistory-samplesSince}) into its volatility estimate and stores it, with the
    /// latest round of each oracle ({observedRounds}) to continue from; ignored
    /// within `minObservationInterval` of the last observation, and while volatility scaling is off.
    /// A rebalancer observes through {decide}, before the policy decides. Nothing else needs to: the
    /// history is the feeds' own, and {effectiveTriggerBand} folds it in the same way at any time.
    function observe() external;

    /// @notice The volatility parameters in force.
    function volatilityParams() external view returns (VolatilityParams memory);

    /// @notice `vault`'s stored annualised variance estimate of each asset's price in the base asset
    /// (WAD: 1e18 = 100%^2; entry 0, the base, is 0) and when it was last observed.
    function variances(address vault) external view returns (uint256[] memory variancesWad, uint256 updatedAt);

    /// @notice The latest round of each of `vault`'s oracles (base first) its estimate has folded in,
    /// as the oracle numbers its rounds (0: none, the next observation reads from its time).
    function observedRounds(address vault) external view returns (uint256[] memory rounds);

    /// @notice The trigger band in force for `vault`: `triggerBandBps` scaled by its volatility, as
    /// estimated by an observation made now (the stored estimate with the oracles' history since
    /// folded in, see {observe}).
    function effectiveTriggerBand(address vault) external view returns (uint256);

    /// @notice Sets the volatility parameters (governance). Reverts when out of bounds or unchanged.
    function setVolatilityParams(VolatilityParams calldata params) external;

    /// @notice Forgets the calling vault's volatility estimate: its basket changed (an asset was added
    /// or removed), so its entries no longer mean the same assets.
    function resetObservations() external;

    /// @notice Emitted when a vault's volatility estimate is forgotten.
    event ObservationsReset(address indexed vault);

    /// @notice Sets the trigger parameters (governance). Reverts when out of bounds or unchanged.
    function setTriggerParams(TriggerParams calldata params) external;
}
