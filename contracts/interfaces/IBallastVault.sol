// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IBallastErrors} from "./IBallastErrors.sol";
import {IBallastOracle} from "./IBallastOracle.sol";
import {IBallastRebalancer} from "./IBallastRebalancer.sol";

/// @title IBallastVault
/// @notice An ERC-4626 vault over a basket of tokens kept at target weights. The base asset
/// (`asset()`, e.g. USDC) is the unit of account: deposits and base-asset exits are in it, and
/// `totalAssets()` is the oracle value of every balance in its smallest units.
///
/// Entries and exits are priced against the caller (each asset at the worse, for them, of its
/// oracle price and its pools' price; an entry as if each oracle had already moved up by its
/// deviation threshold, {IBallastOracle-deviationBps}, the most that foresight of a price update can
/// be worth) and pay the cost of the rebalancing they cause: the pool fees
/// and price impact of trading their amount across the basket (a "flow cost", kept by the vault,
/// at most `slippageBps` of it); `convertToShares`/`convertToAssets` and `totalAssets` are at the
/// oracle prices, the `preview*` functions include everything. `maxWithdraw` and `maxRedeem` are
/// conservative: beyond the base balance, only what the pools' in-range liquidity can fill within
/// the slippage bound with their estimated impact counted twice (the rest leaves in kind,
/// {redeemInKind}). While a call of the vault is
/// under way (a token's transfer hook), the pricing views revert and `max*` return 0.
///
/// Units used throughout: weights and drifts in basis points (10_000 = 100%); values in base-asset
/// units (e.g. 1e6 = 1 USDC); oracle prices in USD with 18 decimals (WAD); token amounts in each
/// token's own smallest units. Every array is in {basketTokens} order, base asset first.
interface IBallastVault is IERC4626, IBallastErrors {
    /// @notice One basket entry as given to the constructor.
    /// @param token The ERC-20 (at most 18 decimals). Entry 0 must be the base asset.
    /// @param oracle Its USD price source.
    /// @param targetWeightBps Its target share of NAV, in basis points; all entries sum to 10_000.
    /// @param sellRoute Uniswap V3 path (`token, fee, token, ...`) from `token` to the base asset;
    /// empty for the base asset.
    /// @param buyRoute Uniswap V3 path from the base asset to `token`; empty for the base asset.
    // Only ever in memory (constructor input), where fields are not packed.
    // solhint-disable-next-line gas-struct-packing
    struct AssetConfig {
        address token;
        IBallastOracle oracle;
        uint16 targetWeightBps;
        bytes sellRoute;
        bytes buyRoute;
    }

    /// @notice Execution bounds of trades, each within hard bounds (see {setRebalanceParams}).
    /// @param slippageBps Largest shortfall of a swap's output below its oracle value.
    /// @param maxTradeBps Largest single trade, as a share of NAV; bigger moves take several calls.
    /// @param maxLossBps Largest fall of NAV, at oracle prices, across one rebalance.
    /// @param minTradeValue Trades worth less than this, in base-asset units, are skipped as dust.
    /// @param maxPoolGapBps Largest shortfall of a leg's route spot price below its oracle price
    /// when a rebalance starts: beyond it the pools are pushed against the vault (or its oracle
    /// lags the market) and the rebalance refuses (see {IBallastErrors-BallastLegUnfit}). It bounds
    /// what a sandwich can take from a leg.
    struct RebalanceParams {
        uint16 slippageBps;
        uint16 maxTradeBps;
        uint16 maxLossBps;
        uint128 minTradeValue;
        uint16 maxPoolGapBps;
    }

    /// @notice Fees, each 0 by default and within hard bounds (see {setFeeParams}).
    /// @param managementFeeBps Yearly fee streamed to `recipient` as newly minted shares (dilution
    /// of `managementFeeBps / 10_000` of the supply a year), accrued at every entry and exit.
    /// @param entryFeeBps Fee on deposits and mints, kept in the vault for the remaining holders.
    /// @param exitFeeBps Fee on base-asset withdrawals and redemptions, kept in the vault: flows pay
    /// for the rebalancing they cause. In-kind exits cause none and pay none.
    /// @param recipient Receives the management fee's shares.
    struct FeeParams {
        uint16 managementFeeBps;
        uint16 entryFeeBps;
        uint16 exitFeeBps;
        address recipient;
    }

    /// @notice The basket at the oracle prices, as a rebalancer plans from it ({basketState}): the one
    /// view of the weights and execution bounds in force.
    /// @param values Each balance's oracle value in base-asset units, rounded down; `nav` their sum.
    /// @param targets The target weights in force now, in basis points, summing to 10_000 (along a
    /// ramp, each non-base weight interpolated and rounded down, the base asset taking the remainder;
    /// see {setTargetWeights}).
    /// @param units Each token's `10 ** decimals`.
    /// @param valid Whether every price is valid; if not, `firstInvalid` is the first asset without
    /// one (valued at its last recorded price).
    /// @param paused Whether the vault is paused (no trade then).
    /// @param params The execution bounds in force ({setRebalanceParams}).
    // Only ever in memory and return data, where fields are not packed.
    // solhint-disable-next-line gas-struct-packing
    struct BasketState {
        address[] tokens;
        uint256[] balances;
        uint256[] prices;
        uint256[] units;
        uint256[] values;
        uint256[] targets;
        uint256 nav;
        uint256 firstInvalid;
        bool valid;
        bool paused;
        RebalanceParams params;
    }

    /// @notice One trade of a rebalance: exactly `amountIn` of the path's first token along `path`
    /// (a Uniswap V3 path of the vault's factory, `token, fee, token, ...`) into its last token;
    /// both ends basket assets.
    struct Leg {
        bytes path;
        uint256 amountIn;
    }

    /// @notice Emitted for every basket entry, at construction and by {addAsset}.
    event AssetListed(
        uint256 indexed index,
        address indexed token,
        IBallastOracle oracle,
        uint256 targetWeightBps,
        bytes sellRoute,
        bytes buyRoute
    );

    /// @notice Emitted when governance removes a retired asset; `dust` (worth under a hundredth of a
    /// base token) stays in the vault, no longer counted.
    event AssetRemoved(uint256 indexed index, address indexed token, uint256 dust);

    /// @notice Emitted when governance sets the fees (all 0 at construction).
    event FeeParamsSet(FeeParams oldParams, FeeParams newParams);

    /// @notice Emitted when the management fee accrues: `shares` minted to `recipient`.
    event ManagementFeeAccrued(address indexed recipient, uint256 shares);

    /// @notice Emitted when the execution bounds are set (at construction `oldParams` is all zero).
    event RebalanceParamsSet(RebalanceParams oldParams, RebalanceParams newParams);

    /// @notice Emitted when the last valid oracle prices are recorded ({recordPrices}).
    event PricesRecorded(uint256[] prices);

    /// @notice Emitted when governance starts a ramp of the target weights: from `fromWeights` (those
    /// in force when it was set) at `start` to `toWeights` at `end`, linearly.
    event TargetWeightsSet(uint256[] fromWeights, uint256[] toWeights, uint64 start, uint64 end);

    /// @notice Emitted when governance changes a token's price source.
    event OracleSet(address indexed token, IBallastOracle oldOracle, IBallastOracle newOracle);

    /// @notice Emitted when governance changes a token's Uniswap V3 routes.
    event RoutesSet(address indexed token, bytes sellRoute, bytes buyRoute);

    /// @notice Emitted when governance hands the basket's trading to another rebalancer.
    event RebalancerSet(IBallastRebalancer oldRebalancer, IBallastRebalancer newRebalancer);

    /// @notice Emitted when the vault pays a keeper `amount` base units for a rebalance.
    event RewardPaid(address indexed keeper, uint256 amount);

    /// @notice Emitted for every swap the vault makes (rebalances and base-asset exits).
    /// @param minAmountOut The oracle-derived minimum the swap had to deliver.
    event Swapped(
        address indexed tokenIn,
        address indexed tokenOut,
        uint256 amountIn,
        uint256 amountOut,
        uint256 minAmountOut
    );

    /// @notice Emitted once per successful rebalance, after its swaps.
    /// @param caller The keeper the rebalancer acted for.
    /// @param navBefore NAV before the trades, at this call's oracle prices (base-asset units).
    /// @param navAfter NAV after the trades, at the same prices: the difference is the trading cost.
    event Rebalanced(
        address indexed caller,
        uint256 navBefore,
        uint256 navAfter,
        uint256 driftBeforeBps,
        uint256 driftAfterBps,
        uint256 trades
    );

    /// @notice Emitted when shares are redeemed for a pro-rata slice of every basket balance.
    event RedeemedInKind(
        address indexed caller,
        address indexed receiver,
        address indexed owner,
        uint256 shares,
        uint256[] amounts
    );

    /// @notice Emitted by {redeemInKindExcept} for each forfeited asset: `amount` of `token`, which
    /// `owner`'s shares could have taken, stays in the vault.
    event ForfeitedInKind(address indexed owner, address indexed token, uint256 amount);

    /// @notice Emitted by {pause}: `account` halted trading and deposits.
    event Paused(address account);

    /// @notice Emitted by {unpause}: `account` resumed them.
    event Unpaused(address account);

    /// @notice Role allowed to pause (a guardian, e.g. a Safe). `DEFAULT_ADMIN_ROLE` (governance,
    /// a TimelockController) sets parameters and alone may unpause. No role can move depositors' funds.
    function GUARDIAN_ROLE() external view returns (bytes32);

    /// @notice The contract that decides when and how the basket trades (policy, planning, keeper
    /// reward), and alone may call {executeRebalance}; zero until governance sets one.
    function rebalancer() external view returns (IBallastRebalancer);

    /// @notice Hands the basket's trading to `newRebalancer` (governance). Reverts for zero, an
    /// account without code, a rebalancer that serves another vault, or unchanged.
    function setRebalancer(IBallastRebalancer newRebalancer) external;

    /// @notice The basket at the oracle prices, an asset whose oracle fails at its last recorded
    /// price (see {BasketState}). Never reverts on a price.
    function basketState() external view returns (BasketState memory);

    /// @notice {basketState}, recording every valid price as the last known one (event
    /// {PricesRecorded}). The rebalancer only: BallastRebalancer calls it as each rebalance starts.
    function recordPrices() external returns (BasketState memory);

    /// @notice Trades `legs` for the keeper `keeper` (the rebalancer only; not while paused), and
    /// enforces by itself every bound that protects the holders, whatever the rebalancer asks: each
    /// leg runs between two basket assets, asks to sell at most `maxTradeBps` of NAV, passes the pool
    /// checks when the call starts (its route's spot output within `maxPoolGapBps` of the oracle-fair
    /// output, else {BallastLegUnfit}), and must deliver its oracle-fair output less `slippageBps`;
    /// NAV at the call's oracle prices may fall by at most `maxLossBps`. Legs that cross one pool
    /// the same way spend its depth together: each is checked as that many legs of its size, and
    /// when the pools cannot fill them within `slippageBps` (the estimated output, impact counted
    /// twice, under the minimum) it trades its share of the part they can, skipped below
    /// `minTradeValue`; a leg no part of which fits reverts ({BallastLegUnfit}).
    /// Legs that sell a non-base asset run first, in order; legs that spend the base asset then run
    /// in order, scaled down alike (rounded down) to the base held above its target weight, and are
    /// skipped below `minTradeValue`. Emits {Rebalanced}, and {Swapped} for each trade with its size.
    /// What the loss bound leaves after the trades may pay the keeper, in the same transaction
    /// ({payReward}).
    /// @return trades The swaps made.
    /// @return navBefore NAV before the trades.
    /// @return navAfter NAV after them, at the same prices.
    /// @return driftAfter The largest |weight - target| after the trades, bps.
    function executeRebalance(
        Leg[] calldata legs,
        address keeper
    ) external returns (uint256 trades, uint256 navBefore, uint256 navAfter, uint256 driftAfter);

    /// @notice Pays `keeper` `amount` of the base asset (at most the base balance) for the
    /// rebalance just executed in this transaction (the rebalancer only; once per
    /// {executeRebalance}). Reverts with {BallastRewardTooLarge} beyond what the rebalance's loss
    /// bound leaves: trades and reward together lose at most `maxLossBps` of NAV. Emits {RewardPaid}.
    function payReward(address keeper, uint256 amount) external;

    /// @notice The last valid oracle prices recorded (USD WAD per whole token; 0 = never recorded): at
    /// construction, an asset's own when it is listed ({addAsset}), and by {recordPrices}, so at each
    /// rebalance that does not revert (one that meets an invalid price reverts whole, recording
    /// nothing). No other transaction records them. What the views value an asset at while its
    /// oracle fails.
    function lastPrices() external view returns (uint256[] memory);

    /// @notice Whether trading and deposits are halted ({pause}).
    function paused() external view returns (bool);

    /// @notice Halts trading and deposits at once. Guardian or governance. Exits stay open.
    /// Reverts with {IBallastErrors-EnforcedPause} when already paused.
    function pause() external;

    /// @notice Resumes trading and deposits. Governance only. Reverts with
    /// {IBallastErrors-ExpectedPause} when not paused.
    function unpause() external;

    /// @notice Sets the execution bounds (governance). Reverts when out of bounds or unchanged.
    function setRebalanceParams(RebalanceParams calldata params) external;

    /// @notice Moves the target weights to `weights` (basis points, summing to 10_000, basket order)
    /// linearly from `start` to `end` (governance), so that the market cannot front-run a jump;
    /// `start == end` switches at once (at `start`; the old weights hold until then). The ramp starts
    /// from the weights in force now; a call replaces any ramp under way or scheduled, so that
    /// setting the weights in force, now, cancels one. Reverts for a wrong length, a sum other than
    /// 10_000, a start in the past or more than 90 days ahead, a ramp longer than 90 days, or no change.
    function setTargetWeights(uint16[] calldata weights, uint64 start, uint64 end) external;

    /// @notice Replaces a basket token's price source (governance). Reverts for an unknown token,
    /// zero, unchanged, or a source that cannot price the token now.
    function setOracle(address token, IBallastOracle oracle) external;

    /// @notice Replaces a non-base token's routes (governance), validated as at construction.
    /// Reverts for an unknown token, the base asset, or unchanged routes, and when the new route's
    /// first pool, watched by the breakers, cannot hold the breakers'
    /// {IBallastBreakers-minObservations} ({IBallastErrors-BallastPoolObservations}).
    function setRoutes(address token, bytes calldata sellRoute, bytes calldata buyRoute) external;

    /// @notice Lists a new asset at target weight 0 (governance); ramp it in with
    /// {setTargetWeights}. Validated as at construction; its oracle must price it now. Reverts when
    /// the basket is full, the token is listed, or `config.targetWeightBps` is not 0, and when a pool
    /// the breakers then watch cannot hold the breakers' {IBallastBreakers-minObservations}
    /// ({IBallastErrors-BallastPoolObservations}). The policy forgets this vault's volatility
    /// estimate ({IBallastPolicy-resetObservations}), and listed assets whose first pool leads to the
    /// new token gain its breaker check.
    function addAsset(AssetConfig calldata config) external;

    /// @notice Removes a retired asset (governance): its target weight and the weight in force must
    /// be 0. Rebalances sell a zero-weight asset (in trades capped at `maxTradeBps`); what is left,
    /// if prices are valid, this call sells along the asset's sell route with the oracle-derived
    /// minimum output. It then requires the balance worth less than a hundredth of a base token at
    /// the last recorded price (dust, left in the vault). Later assets move down one index; the
    /// policy forgets this vault's observations ({IBallastPolicy-resetObservations}).
    function removeAsset(address token) external;

    /// @notice Sets the fees (governance), accruing the management fee due under the old ones
    /// first. Bounds: management fee at most 500 bps a year, entry and exit fees at most 100 bps
    /// each; a recipient is required while the management fee is not 0.
    function setFeeParams(FeeParams calldata params) external;

    /// @notice The fees in force.
    function feeParams() external view returns (FeeParams memory);

    /// @notice Management-fee shares accrued but not yet minted. Every ERC-4626 conversion and
    /// preview counts them in the supply, so that they match what the next entry or exit does.
    function pendingFeeShares() external view returns (uint256);

    /// @notice Every token the vault holds, the base asset (`asset()`) at index 0.
    function basketTokens() external view returns (address[] memory);

    /// @notice Each token's price source.
    function oracles() external view returns (IBallastOracle[] memory);

    /// @notice The basket's routes, index-aligned with the basket: entry `i` of `sellRoutes`
    /// (`buyRoutes`) is asset `i`'s Uniswap V3 path `token -> base` (`base -> token`; empty for the
    /// base asset) when bit `i` of `sellMask` (`buyMask`) is set, else empty. Apart from
    /// {BasketState}, which is read far more often than anything trades, and masked, so that only the
    /// routes a call needs are read from storage (a rebalance's legs, or one asset's pair).
    function basketRoutes(
        uint256 sellMask,
        uint256 buyMask
    ) external view returns (bytes[] memory sellRoutes, bytes[] memory buyRoutes);

    /// @notice The Uniswap V3 factory whose pools every trade goes to: the vault swaps on them
    /// directly, at addresses computed from it (never taken from a caller), and pays them in
    /// {uniswapV3SwapCallback}. It also validates every route when it is set.
    function uniswapFactory() external view returns (address);

    /// @notice Uniswap V3's swap callback: pays the pool the vault is swapping on right now the
    /// positive delta of the token the vault sells (`amount0Delta` if it sells the pool's token0,
    /// else `amount1Delta`), once. Any other caller, a call outside the vault's own swap, or a second
    /// call within one swap reverts with {BallastSwapCallback} and moves nothing. `data` is unused:
    /// the vault remembers what it owes (transient storage) rather than trust what comes back.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;

    /// @notice Burns `shares` of `owner` and sends `receiver` the same fraction of every basket
    /// balance. Uses no oracle and no swap, so it works even when prices are broken: the holder's
    /// guaranteed exit. The caller needs an allowance unless it is `owner`.
    /// @return amounts What was sent, in {basketTokens} order (rounded down, in favour of the vault).
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory amounts);

    /// @notice As {redeemInKind}, but leaves the basket assets whose bits are set in `forfeited` (bit
    /// `i` for {basketTokens}`[i]`) in the vault: the exit for a holder whom a token refuses (one that
    /// blocklists or pauses the receiver or the vault would otherwise stop the whole in-kind exit).
    /// The forfeited slices stay with the remaining holders (each {ForfeitedInKind}); `amounts` shows
    /// them as 0. Reverts with {BallastForfeitMask} if a bit names no basket asset.
    function redeemInKindExcept(
        uint256 shares,
        address receiver,
        address owner,
        uint256 forfeited
    ) external returns (uint256[] memory amounts);

    /// @notice What {redeemInKind} would send for `shares` now.
    function previewRedeemInKind(uint256 shares) external view returns (uint256[] memory amounts);
}
