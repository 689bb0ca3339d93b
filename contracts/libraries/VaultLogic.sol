// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {BasketAdmin} from "./BasketAdmin.sol";
import {BasketMath} from "./BasketMath.sol";
import {LegCheck} from "./LegCheck.sol";
import {MemoryArray} from "./MemoryArray.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {PoolPrice} from "./PoolPrice.sol";
import {StaticWord} from "./StaticWord.sol";
import {TickMath} from "./TickMath.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title VaultLogic
/// @notice The vault's valuation and trading: the basket at oracle prices or against a flow
/// (entries and exits); every swap the vault makes, each with a minimum output from the valuation
/// the call is priced at (the oracles; for an exit's slices, the lower of oracle and pool): the
/// slices a base-asset exit sells, a retiring asset's remainder, and a rebalance's legs within the
/// holders' bounds (the trade cap, the pool checks, and the NAV loss bound across them). An
/// external (linked) library, called by the vault alone: its code runs by delegatecall on the
/// vault's storage and balances, so that every bound it enforces is the vault's own, whoever asked
/// for the trade. Rounding: amounts sold round down and the value an exit consumes rounds up
/// (against the caller); minimum outputs and the least NAV a rebalance may leave round down (by
/// less than a unit, toward the swap going through).
library VaultLogic {
    using BasketMath for uint256;
    using MemoryArray for uint256[];
    using Math for uint256;
    using SafeERC20 for IERC20;
    using TransientSlot for *;
    using UniswapPath for bytes;

    uint256 private constant Q96 = 1 << 96;

    /// @notice The pool the vault is swapping on right now, the only caller its
    /// `uniswapV3SwapCallback` pays (transient: set just before each `pool.swap`, cleared by the
    /// callback before it pays, so that it pays once, and again after the swap, so that nothing is
    /// left for a later call of the same transaction). Zero outside a swap.
    bytes32 internal constant SWAP_POOL_SLOT = keccak256("ballast.vault.swapPool");
    /// @notice What the vault owes that pool: the token it sells (low 160 bits) and whether it is the
    /// pool's token0 (bit 160), which names the delta to pay (transient, set and cleared with
    /// {SWAP_POOL_SLOT}).
    bytes32 internal constant SWAP_OWED_SLOT = keccak256("ballast.vault.swapOwed");
    /// @notice The input of the hop under way: the most the callback pays (transient, set and cleared
    /// with {SWAP_POOL_SLOT}).
    bytes32 internal constant SWAP_INPUT_SLOT = keccak256("ballast.vault.swapInput");
    /// @dev Bit of {SWAP_OWED_SLOT} set when the token owed is the pool's token0.
    uint256 internal constant OWED_TOKEN0 = 1 << 160;
    /// @notice Whether the last {recordState} of this transaction read every oracle valid: its
    /// prices, now the vault's last prices, are then this transaction's, and the next
    /// {executeRebalance} values at them rather than reading every oracle again (transient: an
    /// oracle's answer cannot change within a transaction, see {IBallastOracle}). Used once, and
    /// forgotten when the basket or an oracle changes.
    bytes32 internal constant PRICES_READ_SLOT = keccak256("ballast.vault.pricesRead");

    /// @notice Balances, prices and values of the basket at one instant, index-aligned, base first:
    /// every array has the basket's length (the conversions read a price unchecked once its unit's
    /// read has checked the index), except an entry's, whose arrays are all empty ({entryTerms}).
    /// Prices are read once per call; values are rounded down, so `nav` never exceeds the true value
    /// and `navCeil` (which adds one unit per rounded value) never falls below it.
    /// @param units Each token's `10 ** decimals`.
    /// @param targets The target weights in force (bps).
    /// @param firstInvalid The first asset whose price is invalid (meaningful only when not `valid`).
    /// @param flowFeeWad, flowImpactWad A flow valuation's cost terms: trading `x` base units into or
    /// out of the basket costs `x * flowFeeWad + x^2 * flowImpactWad` (both / 1e18; see {flowCost}).
    struct Valuation {
        uint256[] balances;
        uint256[] prices;
        uint256[] units;
        uint256[] values;
        uint256[] targets;
        uint256 nav;
        uint256 navCeil;
        uint256 firstInvalid;
        bool valid;
        uint256 flowFeeWad;
        uint256 flowImpactWad;
    }

    /// @notice The vault's settings that every entry, exit and rebalance reads, in the one slot it
    /// reads them from (248 bits): the execution bounds ({IBallastVault-RebalanceParams}), the flow
    /// fees and the management fee's rate ({IBallastVault-FeeParams}; the recipient and the time
    /// of the last accrual, read only under a rate, are kept apart), and whether the vault is
    /// paused. Each setter writes its own fields only.
    struct Settings {
        uint16 slippageBps;
        uint16 maxTradeBps;
        uint16 maxLossBps;
        uint128 minTradeValue;
        uint16 maxPoolGapBps;
        uint16 managementFeeBps;
        uint16 entryFeeBps;
        uint16 exitFeeBps;
        bool paused;
    }

    /// @notice Which way a valuation prices the basket: at the oracles (accounting and views), or
    /// against the caller: an entrant at the higher of each asset's pool price and its oracle price
    /// raised by the deviation thresholds of its oracle and the base's; a leaver at the lower of
    /// its pool and oracle prices (see {valuation}).
    enum Side {
        Oracle,
        Entry,
        Exit
    }

    // --- Valuation ----------------------------------------------------------------------------

    /// @notice Reads every price once and values the vault's balances. With `strict`, an invalid
    /// price reverts with {IBallastErrors-BallastPriceUnavailable}; otherwise it marks the valuation
    /// invalid and uses the last recorded price ({IBallastVault-lastPrices}: at construction, at
    /// listing, and at each rebalance; zero, and so a zero value, only if none was ever recorded): a
    /// failing oracle never values an asset at zero in the views, while entries and exits stay
    /// refused.
    function valuation(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        bool strict,
        Side side
    ) public view returns (Valuation memory v) {
        // Every entry's two slots read once: the loops below read them from memory.
        BasketAdmin.Asset[] memory assets = basket.assets;
        uint256 n = assets.length;
        (uint256[] memory prices, uint256[] memory units) = (new uint256[](n), new uint256[](n));
        uint256 firstInvalid = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            BasketAdmin.Asset memory a = assets[i];
            (bool ok, uint256 price) = BasketAdmin.tryPrice(a.oracle);
            if (!ok) {
                if (strict) revert IBallastErrors.BallastPriceUnavailable(a.token);
                if (firstInvalid > i) firstInvalid = i;
                price = lastPrices[i];
            }
            prices.put(i, price);
            units.put(i, 10 ** a.decimals);
        }
        if (side == Side.Oracle || firstInvalid != type(uint256).max) {
            v = valuationAt(assets, prices, units);
            if (firstInvalid < v.firstInvalid) (v.firstInvalid, v.valid) = (firstInvalid, false);
            return v;
        }
        PoolPass memory pass = _poolPass(assets, factory, prices, units);
        // An entrant may see an update coming that neither the feeds nor the pools show yet: each
        // asset's price, against the base's, may move by both sources' deviation thresholds.
        uint256 baseDeviation = side == Side.Entry ? assets[0].deviationBps : 0;
        uint256[] memory markets = pass.market;
        for (uint256 i = 1; i < n; ++i) {
            uint256 market = markets.at(i);
            if (side == Side.Entry) {
                uint256 deviation = assets[i].deviationBps + baseDeviation;
                // A valid price fits 128 bits ({BasketAdmin-tryPrice}) and the factor 16 (each
                // threshold a uint16 of at most BasketAdmin.MAX_DEVIATION_BPS): the product needs no
                // 512-bit mulDiv. Rounded up, against the entrant.
                uint256 raised = Math.ceilDiv(prices.at(i) * (1e4 + deviation), 1e4);
                prices.put(i, Math.max(raised, market));
            } else if (market != 0) {
                // No pool price (no pool into the basket, or an empty one): the oracle's alone.
                prices.put(i, Math.min(prices.at(i), market));
            }
        }
        v = valuationAt(assets, prices, units);
        if (v.valid) _flowTerms(v, pass);
    }

    /// @notice What an entry is priced at ({valuation} on the entry side, strict): the NAV rounded up
    /// and the flow's cost terms, three words across the library call rather than the valuation's
    /// arrays, which pricing an entry does not read.
    function entryTerms(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        address factory
    ) public view returns (uint256 navCeil, uint256 flowFeeWad, uint256 flowImpactWad) {
        Valuation memory v = valuation(basket, lastPrices, factory, true, Side.Entry);
        return (v.navCeil, v.flowFeeWad, v.flowImpactWad);
    }

    /// @notice The rebalancer's view of the basket at the oracles ({IBallastVault-basketState}),
    /// ABI-encoded as the vault returns it: the vault forwards these bytes, so the valuation is
    /// encoded once on its way out rather than decoded and encoded again in the vault.
    function encodedState(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        Settings storage settings
    ) public view returns (bytes memory) {
        return _encode(basket, valuation(basket, lastPrices, factory, false, Side.Oracle), settings);
    }

    /// @notice {encodedState}, recording every price read valid as the asset's last price (an
    /// invalid one keeps its last) and, in {PRICES_READ_SLOT}, whether all were valid
    /// ({IBallastVault-recordPrices}). Emits {IBallastVault-PricesRecorded}.
    function recordState(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        Settings storage settings
    ) public returns (bytes memory) {
        Valuation memory v = valuation(basket, lastPrices, factory, false, Side.Oracle);
        recordPrices(lastPrices, v.prices);
        PRICES_READ_SLOT.asUint256().tstore(v.valid ? 1 : 0);
        return _encode(basket, v, settings);
    }

    /// @notice Stores `prices` (one per asset, each valid or the asset's last) as the last prices.
    /// Emits {IBallastVault-PricesRecorded}. Oracle-side prices only: each fits 128 bits (a price
    /// read valid does, {BasketAdmin-tryPrice}; a last one was recorded so), where an entry's, raised
    /// by the deviation thresholds, might not.
    function recordPrices(uint128[] storage lastPrices, uint256[] memory prices) internal {
        for (uint256 i; i < prices.length; ++i) lastPrices[i] = uint128(prices[i]);
        emit IBallastVault.PricesRecorded(prices);
    }

    /// @dev `v` with the basket's tokens, and the bounds and pause state of `settings`, as
    /// {IBallastVault-BasketState}, ABI-encoded.
    function _encode(
        BasketAdmin.Basket storage basket,
        Valuation memory v,
        Settings storage settings
    ) private view returns (bytes memory) {
        IBallastVault.BasketState memory s;
        uint256 n = v.values.length;
        s.tokens = new address[](n);
        for (uint256 i; i < n; ++i) s.tokens[i] = basket.assets[i].token;
        (s.balances, s.prices, s.units, s.values, s.targets) = (v.balances, v.prices, v.units, v.values, v.targets);
        (s.nav, s.firstInvalid, s.valid) = (v.nav, v.firstInvalid, v.valid);
        (s.paused, s.params) = (settings.paused, rebalanceParams(settings));
        return abi.encode(s);
    }

    /// @notice The execution bounds of `settings`.
    function rebalanceParams(Settings storage settings) internal view returns (IBallastVault.RebalanceParams memory) {
        Settings memory f = settings;
        return
            IBallastVault.RebalanceParams(f.slippageBps, f.maxTradeBps, f.maxLossBps, f.minTradeValue, f.maxPoolGapBps);
    }

    /// @dev The cost terms of a flow valuation (see {flowCost}). Each non-base asset takes its
    /// target weight `w` of a flow through every pool of its chain (see {PoolPass}); a pool that
    /// several chains share (WETH/USDC for WETH and for WBTC routed through WETH) carries their sum.
    /// Fees are linear: `w * fee` summed along each chain. Impact is quadratic in what a pool
    /// carries: `(W / 1e4 * x)^2 / R` for the pool's total weight W.
    function _flowTerms(Valuation memory v, PoolPass memory pass) private pure {
        // Every index below is below n, the arrays' length (a chain's links are basket indices).
        uint256[] memory targets = v.targets;
        uint256 n = targets.length;
        (uint256[] memory inverseReserve, uint256[] memory next) = (pass.inverseReserve, pass.next);
        uint256[] memory carried = new uint256[](n);
        uint256 feeWad;
        for (uint256 i = 1; i < n; ++i) {
            uint256 w = targets.at(i);
            // w / 1e4 of a flow pays fee / 1e6 of it at each pool: w * fee * 1e8 in WAD.
            feeWad += w * pass.feePips.at(i) * 1e8;
            // Down the chain: asset j's first pool, then its quote token's, ... (a cycle stops at n).
            for ((uint256 j, uint256 links) = (i, 0); j != 0 && links < n && inverseReserve.at(j) != 0; ++links) {
                carried.put(j, carried.at(j) + w);
                j = next.at(j);
            }
        }
        uint256 impactWad;
        for (uint256 j = 1; j < n; ++j) {
            // (W / 1e4 * x)^2 / R: W^2 * (1e36 / R) / 1e26 in WAD, rounded up.
            uint256 w = carried.at(j);
            if (w != 0) impactWad += Math.mulDiv(w * w, inverseReserve.at(j), 1e26, Math.Rounding.Ceil);
        }
        (v.flowFeeWad, v.flowImpactWad) = (feeWad, impactWad);
    }

    /// @notice What trading `value` base units into or out of the basket, at its target weights,
    /// costs in its pools ("swing pricing": a flow pays for the rebalancing it causes, and the
    /// holders who stay do not): `value * flowFeeWad + value^2 * flowImpactWad` (both / 1e18, see
    /// {valuation}), rounded up, and at most the slippage bound on `value` (what a rebalance would
    /// accept).
    function flowCost(Valuation memory v, uint256 value, uint256 slippageBps) internal pure returns (uint256) {
        uint256 cap = value.bps(slippageBps, Math.Rounding.Ceil);
        // No flow of 2^112 base units (5e33) exists. Below it the impact term cannot overflow:
        // flowImpactWad < 2^75 (weights^2 < 2^33 times an inverse reserve < 2^128, over 1e26), so
        // value^2 * flowImpactWad / 1e18 < 2^224 * 2^75 / 2^59.
        if (value > type(uint112).max) return cap;
        uint256 linear = value.mulDiv(v.flowFeeWad, 1e18, Math.Rounding.Ceil);
        uint256 impact = (value * value).mulDiv(v.flowImpactWad, 1e18, Math.Rounding.Ceil);
        return Math.min(linear + impact, cap);
    }

    /// @notice The largest value a base exit can take now: the base balance plus the most its
    /// slices can sell, by a flow valuation's cost terms: the slice total `x` whose pool fees and
    /// twice its impact on the pools' in-range liquidity (`x * flowFeeWad + 2 * x^2 *
    /// flowImpactWad`, see {flowCost}) stay within the slippage bound of `x` (the slices' minimum
    /// outputs): the impact counted twice is the margin {LegCheck-check} keeps too, for liquidity past the
    /// current range. Rounded down; at most 2^128 beyond the base (unbounded in effect) when the
    /// pools show no impact.
    function exitLimit(Valuation memory v, uint256 slippageBps) public pure returns (uint256) {
        // The bound, in WAD.
        uint256 budget = slippageBps * 1e14;
        if (v.flowFeeWad >= budget) return v.balances[0];
        // 2 * x * flowImpactWad / 1e18 (the doubled impact's share of x) <= (budget - flowFeeWad) / 1e18.
        uint256 capacity = v.flowImpactWad == 0 ? type(uint128).max : (budget - v.flowFeeWad) / (2 * v.flowImpactWad);
        return v.balances[0] + Math.min(capacity, type(uint128).max);
    }

    /// @dev What each asset's first pools say, down the chain to the base (asset `i`'s first pool
    /// trades it against basket asset `q`, whose first pool trades `q` against the next, ... the
    /// base): its market price (USD WAD per whole token, like an oracle's; 0 when a link has no pool
    /// or no price); the sum of the pools' fees along that chain (pips); and, for its own first pool,
    /// `1e36 / R` (0: no pool read), R the value in base units of either side of the pool's virtual
    /// reserves (equal at the spot price), the constant-product impact of trading x being x^2 / R,
    /// and the next link `q`. A pool without liquidity in range makes the impact term huge:
    /// {flowCost} answers its cap. Each pool is read once.
    struct PoolPass {
        uint256[] oracle;
        uint256[] units;
        uint256[] market;
        uint256[] feePips;
        uint256[] inverseReserve;
        uint256[] next;
        // A bit per asset: a basket has at most BasketAdmin.MAX_ASSETS (16) of 256.
        uint256 seen;
    }

    function _poolPass(
        BasketAdmin.Asset[] memory assets,
        address factory,
        uint256[] memory oracle,
        uint256[] memory units
    ) private view returns (PoolPass memory pass) {
        uint256 n = oracle.length;
        (pass.oracle, pass.units, pass.market, pass.feePips) = (oracle, units, new uint256[](n), new uint256[](n));
        (pass.inverseReserve, pass.next) = (new uint256[](n), new uint256[](n));
        pass.market[0] = oracle[0];
        for (uint256 i = 1; i < n; ++i) _resolve(assets, factory, pass, i, n);
    }

    /// @dev Fills `pass` for asset `i` and, first, for the chain below it (at most `depth` links: a
    /// cycle of first pools ends with no market price).
    function _resolve(
        BasketAdmin.Asset[] memory assets,
        address factory,
        PoolPass memory pass,
        uint256 i,
        uint256 depth
    ) private view {
        // `i` is below n (a loop index, or a quote index of the basket, checked below).
        if (i == 0 || (pass.seen >> i) & 1 != 0) return;
        pass.seen |= 1 << i;
        BasketAdmin.Asset memory a = assets[i];
        uint256 q = a.quoteIndex;
        if (q == BasketAdmin.NO_POOL || depth == 0) return;
        // The quote's entry read, checked: `q` is a basket index from here on.
        BasketAdmin.Asset memory quote = assets[q];
        if (q != 0) _resolve(assets, factory, pass, q, depth - 1);
        (address token, address quoteToken, uint24 fee) = (a.token, quote.token, a.poolFee);
        address pool = PoolAddress.compute(factory, token, quoteToken, fee);
        bool assetIsToken0 = token < quoteToken;
        uint160 sqrtPriceX96 = StaticWord.sqrtPriceX96(pool);
        uint256 quoteMarket = pass.market.at(q);
        if (quoteMarket != 0) {
            // Raw quote-token units per 1e18 whole tokens: 18 extra digits, so that a token worth a
            // billionth of the quote token keeps its precision. Rounded down, as is the product.
            // A unit is at most 1e18 ({BasketAdmin-validDecimals}): these products cannot overflow.
            uint256 quoteOut = PoolPrice.quote(sqrtPriceX96, pass.units.at(i) * 1e18, assetIsToken0);
            pass.market.put(i, Math.mulDiv(quoteOut, quoteMarket, pass.units.at(q) * 1e18));
        }
        uint256 reserveValue = sqrtPriceX96 == 0 ? 0 : _reserveValue(pass, pool, sqrtPriceX96, q, assetIsToken0);
        pass.feePips.put(i, pass.feePips.at(q) + fee);
        pass.inverseReserve.put(i, reserveValue == 0 ? type(uint128).max : Math.ceilDiv(1e36, reserveValue));
        pass.next.put(i, q);
    }

    /// @dev The value, in base units at the oracles, of the virtual reserve of basket asset `q` in
    /// `pool` (y = L * sqrtP when `q` is token1, x = L / sqrtP when token0).
    function _reserveValue(
        PoolPass memory pass,
        address pool,
        uint160 sqrtPriceX96,
        uint256 q,
        bool quoteIsToken1
    ) private view returns (uint256) {
        uint256 liquidity = StaticWord.liquidity(pool);
        uint256 reserve =
            quoteIsToken1 ? Math.mulDiv(liquidity, sqrtPriceX96, Q96) : Math.mulDiv(liquidity, Q96, sqrtPriceX96);
        if (q == 0) return reserve;
        // `q` is a basket index ({_resolve}).
        (uint256[] memory oracle, uint256[] memory units) = (pass.oracle, pass.units);
        return reserve.toValue(oracle.at(q), units.at(q), oracle.at(0), units.at(0), Math.Rounding.Floor);
    }

    /// @notice Values the vault's balances at `prices` (a zero price marks an invalid one), `assets`
    /// being the basket's entries as stored and `units` each one's `10 ** decimals`.
    function valuationAt(
        BasketAdmin.Asset[] memory assets,
        uint256[] memory prices,
        uint256[] memory units
    ) internal view returns (Valuation memory v) {
        uint256 n = prices.length;
        // Filled through local references, unchecked: every index is below `n`, their length.
        uint256[] memory balances = new uint256[](n);
        uint256[] memory values = new uint256[](n);
        (v.prices, v.balances, v.units, v.values) = (prices, balances, units, values);
        v.targets = BasketAdmin.targetWeights(assets);
        v.valid = true;
        v.firstInvalid = type(uint256).max;
        uint256 basePrice = prices.at(0);
        uint256 baseUnit = units.at(0);
        uint256 nav;
        uint256 roundedDown;
        for (uint256 i; i < n; ++i) {
            uint256 balance = StaticWord.balanceOf(assets[i].token, address(this));
            uint256 unit = units.at(i);
            balances.put(i, balance);
            uint256 price = prices.at(i);
            if (price == 0 || basePrice == 0) {
                v.valid = false;
                if (v.firstInvalid > i) v.firstInvalid = basePrice == 0 ? 0 : i;
                if (i != 0) continue;
            }
            uint256 value = i == 0 ? balance : balance.toValue(price, unit, basePrice, baseUnit, Math.Rounding.Floor);
            values.put(i, value);
            nav += value;
            if (i != 0 && balance != 0) ++roundedDown;
        }
        // Each value rounded down lost less than one unit.
        (v.nav, v.navCeil) = (nav, nav + roundedDown);
    }

    // --- Execution ----------------------------------------------------------------------------

    /// @notice A rebalance's trades, for {IBallastVault-executeRebalance}: values the basket at the
    /// oracles (reverting on an invalid price; with `pricesRead`, at `lastPrices`, which the vault
    /// recorded from every oracle, all valid, earlier in the same transaction), trades `legs` on
    /// `factory`'s pools within the per-leg bounds of `settings` ({_executeLegs}), then holds NAV at
    /// the same prices to the loss bound: it may fall by at most their `maxLossBps` (the least NAV
    /// allowed rounded down), else {IBallastErrors-BallastRebalanceLoss}. Emits
    /// {IBallastVault-Rebalanced} for `keeper`.
    /// @return trades The swaps made.
    /// @return navBefore NAV before the trades.
    /// @return navAfter NAV after them, at the same prices.
    /// @return driftAfter The largest |weight - target| after the trades, bps.
    /// @return rewardBudget What the loss bound leaves after the trades: `navAfter` less the least NAV
    /// it allows.
    function executeRebalance(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        bool pricesRead,
        address factory,
        IBallastVault.Leg[] calldata legs,
        Settings storage settings,
        address keeper
    ) public returns (uint256 trades, uint256 navBefore, uint256 navAfter, uint256 driftAfter, uint256 rewardBudget) {
        IBallastVault.RebalanceParams memory p = rebalanceParams(settings);
        BasketAdmin.Asset[] memory assets = basket.assets;
        // Every oracle read valid earlier in this transaction: its prices are `lastPrices` (warm).
        Valuation memory v;
        if (pricesRead) {
            (uint256[] memory prices, uint256[] memory units) = _recorded(lastPrices, assets);
            v = valuationAt(assets, prices, units);
        } else {
            v = valuation(basket, lastPrices, factory, true, Side.Oracle);
        }
        address[] memory tokens = _tokens(assets);
        trades = _executeLegs(tokens, factory, v, legs, p);
        navBefore = v.nav;
        uint256 driftBefore = maxDrift(v);
        _revalue(v, tokens);
        (navAfter, driftAfter) = (v.nav, maxDrift(v));
        uint256 floor = navBefore.lessBpsDown(p.maxLossBps);
        if (navAfter < floor) revert IBallastErrors.BallastRebalanceLoss(navBefore, navAfter, p.maxLossBps);
        emit IBallastVault.Rebalanced(keeper, navBefore, navAfter, driftBefore, driftAfter, trades);
        rewardBudget = navAfter - floor;
    }

    /// @dev Values `v`'s balances again after the trades, at its prices (rounded down, as
    /// {valuationAt}; every price valid, as a strict or recorded valuation's are): only the balances
    /// are read, into `v.balances`, `v.values` and `v.nav`. `v` is the settlement's from then on:
    /// its `navCeil` and flow terms are not updated, and nothing reads them after it.
    function _revalue(Valuation memory v, address[] memory tokens) private view {
        uint256 n = v.prices.length;
        (uint256[] memory balances, uint256[] memory values) = (v.balances, v.values);
        uint256 nav;
        // Every index below n, the arrays' length.
        for (uint256 i; i < n; ++i) {
            uint256 balance = StaticWord.balanceOf(tokens[i], address(this));
            uint256 value = i == 0 ? balance : toValue(v, i, balance, Math.Rounding.Floor);
            balances.put(i, balance);
            values.put(i, value);
            nav += value;
        }
        v.nav = nav;
    }

    /// @dev The basket's tokens, base first.
    function _tokens(BasketAdmin.Asset[] memory assets) private pure returns (address[] memory tokens) {
        uint256 n = assets.length;
        tokens = new address[](n);
        for (uint256 i; i < n; ++i) tokens[i] = assets[i].token;
    }

    /// @dev The recorded prices, widened, and each asset's `10 ** decimals`.
    function _recorded(
        uint128[] storage lastPrices,
        BasketAdmin.Asset[] memory assets
    ) private view returns (uint256[] memory prices, uint256[] memory units) {
        uint256 n = assets.length;
        (prices, units) = (new uint256[](n), new uint256[](n));
        for (uint256 i; i < n; ++i) {
            prices.put(i, lastPrices[i]);
            units.put(i, 10 ** assets[i].decimals);
        }
    }

    /// @notice Before governance removes asset `i` ({IBallastVault-removeAsset}): sells what a
    /// capped rebalance left of it, or what someone sent to delay the removal, along its sell route
    /// at the oracle-derived minimum output (`slippageBps` below its value), when every price is
    /// valid, its weight in force is 0, and the balance is worth at least {sliceFloor}. Returns that
    /// floor: the value under which what is left is dust.
    function sellRetired(
        BasketAdmin.Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        uint256 i,
        uint256 slippageBps
    ) public returns (uint256 dustValue) {
        Valuation memory v = valuation(basket, lastPrices, factory, false, Side.Oracle);
        dustValue = sliceFloor(v);
        if (i != 0 && v.valid && v.targets[i] == 0 && v.values[i] >= dustValue) {
            uint256 amount = v.balances[i];
            _swap(factory, BasketAdmin.sellRoute(basket, i), amount, minValueOut(v, i, amount, slippageBps));
        }
    }

    /// @dev Swaps exactly `amountIn` of `path`'s first token into its last directly on the pools of
    /// `factory`, hop by hop ({_swapHop}): each pool's address is computed from the factory (never
    /// taken from the caller), and each hop's output, as its pool reports it, is the next hop's
    /// input (intermediate tokens pass through the vault). Every hop must take its whole input (see
    /// {_swapHop}), so `amountIn` is what was sold. `minOut` is enforced on the balance delta, what
    /// actually arrived (a token that takes a fee in transit delivers less than the pool sent).
    /// Emits {IBallastVault-Swapped}.
    function _swap(
        address factory,
        bytes memory path,
        uint256 amountIn,
        uint256 minOut
    ) private returns (uint256 received) {
        (address tokenIn, address tokenOut) = (path.tokenAt(0), path.lastToken());
        uint256 outBefore = StaticWord.balanceOf(tokenOut, address(this));
        uint256 amount = amountIn;
        uint256 n = path.hops();
        for (uint256 h; h + 1 < n; ++h) {
            // A middle hop's output is what arrived, by balance, not what its pool reports sending: a
            // token that takes a fee in transit delivers less, and the next pool must not be paid the
            // difference out of the vault's own holding of that token.
            address middle = path.tokenAt(h + 1);
            uint256 before = StaticWord.balanceOf(middle, address(this));
            _swapHop(factory, path, h, amount, tokenIn, tokenOut);
            amount = StaticWord.balanceOf(middle, address(this)) - before;
        }
        _swapHop(factory, path, n - 1, amount, tokenIn, tokenOut);
        received = StaticWord.balanceOf(tokenOut, address(this)) - outBefore;
        if (received < minOut) revert IBallastErrors.BallastSlippageExceeded(tokenOut, minOut, received);
        emit IBallastVault.Swapped(tokenIn, tokenOut, amountIn, received, minOut);
    }

    /// @dev Sells exactly `amountIn` on hop `h` of `path` (of the leg `tokenIn -> tokenOut`, which
    /// failures name); the pool sends its output to the vault. The price limit is the extreme one:
    /// the pool stops short of `amountIn` only when it runs out of liquidity, and such an incomplete
    /// fill is refused like an empty pool ({IBallastErrors-BallastSwapFailed}), so that no caller
    /// counts as sold more than was. The pool is named in {SWAP_POOL_SLOT} (the token owed in
    /// {SWAP_OWED_SLOT}, at most `amountIn` of it in {SWAP_INPUT_SLOT}) for the duration of the swap
    /// only: the vault's callback pays that pool alone, once, no more than the hop's input. A pool's
    /// revert is passed on as it is ({_swapFailed}).
    function _swapHop(
        address factory,
        bytes memory path,
        uint256 h,
        uint256 amountIn,
        address tokenIn,
        address tokenOut
    ) private {
        (address a, address b) = (path.tokenAt(h), path.tokenAt(h + 1));
        address pool = PoolAddress.compute(factory, a, b, path.feeAt(h));
        // A pool never deployed has no code (a high-level call to it would fail to decode, uncaught);
        // a hop's output of nothing leaves nothing to sell on the next hop.
        if (amountIn == 0 || pool.code.length == 0) revert IBallastErrors.BallastSwapFailed(tokenIn, tokenOut);
        bool zeroForOne = a < b;
        SWAP_POOL_SLOT.asAddress().tstore(pool);
        SWAP_OWED_SLOT.asUint256().tstore(uint256(uint160(a)) | (zeroForOne ? OWED_TOKEN0 : 0));
        SWAP_INPUT_SLOT.asUint256().tstore(amountIn);
        try
            IUniswapV3Pool(pool).swap(
                address(this),
                zeroForOne,
                SafeCast.toInt256(amountIn),
                zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1,
                ""
            )
        returns (int256 amount0, int256 amount1) {
            // The pool ran out of liquidity before the price limit: less was sold than asked.
            if ((zeroForOne ? amount0 : amount1) != SafeCast.toInt256(amountIn)) {
                revert IBallastErrors.BallastSwapFailed(tokenIn, tokenOut);
            }
        } catch (bytes memory reason) {
            _swapFailed(tokenIn, tokenOut, reason);
        }
        // The callback cleared the pool when it paid; cleared again in case the pool never called it.
        SWAP_POOL_SLOT.asAddress().tstore(address(0));
        SWAP_OWED_SLOT.asUint256().tstore(0);
        SWAP_INPUT_SLOT.asUint256().tstore(0);
    }

    /// @dev Trades a rebalance's `legs` (see {IBallastVault-executeRebalance}) on `factory`'s pools
    /// (see {_swap}), each bounded at valuation `v`'s oracle prices: first every leg is checked
    /// against the basket, the trade cap and the pools ({LegCheck-check}, before any swap moves
    /// them); then the legs that sell a non-base asset run, each asking its oracle-fair output less
    /// `p.slippageBps`; then those that spend the base, scaled down alike to the base held above its
    /// target (rounded down) and skipped below `p.minTradeValue`. Returns the number of swaps made.
    function _executeLegs(
        address[] memory tokens,
        address factory,
        Valuation memory v,
        IBallastVault.Leg[] memory legs,
        IBallastVault.RebalanceParams memory p
    ) private returns (uint256 trades) {
        uint256 m = legs.length;
        (uint256[] memory ins, uint256[] memory outs) = (new uint256[](m), new uint256[](m));
        uint256[] memory amounts = _fitLegs(tokens, factory, v, legs, p, ins, outs);
        // Every index below m, the three arrays' length. The sells first; the base-spending legs
        // wait for their proceeds.
        uint256 wanted;
        for (uint256 k; k < m; ++k) {
            (uint256 i, uint256 amount) = (ins.at(k), amounts.at(k));
            if (i == 0) {
                wanted += amount;
            } else if (amount != 0) {
                _legSwap(factory, v, legs[k].path, i, outs.at(k), amount, p.slippageBps);
                ++trades;
            }
        }
        // What the base-spending legs may spend, each scaled down alike to it.
        uint256 available = _baseAboveTarget(v, tokens[0]);
        for (uint256 k; k < m; ++k) {
            if (ins.at(k) != 0) continue;
            uint256 amount = amounts.at(k);
            if (wanted > available) amount = amount.mulDiv(available, wanted);
            if (amount == 0 || amount < p.minTradeValue) continue;
            _legSwap(factory, v, legs[k].path, 0, outs.at(k), amount, p.slippageBps);
            ++trades;
        }
    }

    /// @dev Every leg's checks before any swap (the pools as the call found them): its ends
    /// ({_ends}, into `ins` and `outs`), the trade cap on the value it asks to sell, and the pools.
    /// Legs crossing one pool the same way spend its depth together (the same way: a later leg fills
    /// after the earlier ones moved the price), so each leg is fitted as that many legs of
    /// its size ({LegCheck-fit}) and trades its share of the fit: all of it when the pools fill them
    /// all, else a part, skipped under `minTradeValue`. A leg no size of which may trade reverts with
    /// {IBallastErrors-BallastLegUnfit}.
    function _fitLegs(
        address[] memory tokens,
        address factory,
        Valuation memory v,
        IBallastVault.Leg[] memory legs,
        IBallastVault.RebalanceParams memory p,
        uint256[] memory ins,
        uint256[] memory outs
    ) private view returns (uint256[] memory amounts) {
        uint256 m = legs.length;
        amounts = new uint256[](m);
        uint256 cap = v.nav.bps(p.maxTradeBps, Math.Rounding.Floor);
        // Every index k below m, the length of `ins`, `outs` and `amounts` ({_executeLegs}).
        for (uint256 k; k < m; ++k) {
            IBallastVault.Leg memory leg = legs[k];
            (uint256 i, uint256 o) = _ends(tokens, leg.path);
            ins.put(k, i);
            outs.put(k, o);
            uint256 value = toValue(v, i, leg.amountIn, Math.Rounding.Floor);
            if (value > cap) revert IBallastErrors.BallastLegTooLarge(tokens[i], value, cap);
        }
        // Every path is well formed from here on.
        uint256[] memory sharing = _sharing(legs);
        for (uint256 k; k < m; ++k) {
            amounts.put(k, _fitLeg(factory, v, legs[k], ins.at(k), outs.at(k), sharing.at(k), p));
        }
    }

    /// @dev The part of `leg` (from asset `i` to asset `o`) to trade when `count` legs cross a pool
    /// with it (see {_fitLegs}).
    function _fitLeg(
        address factory,
        Valuation memory v,
        IBallastVault.Leg memory leg,
        uint256 i,
        uint256 o,
        uint256 count,
        IBallastVault.RebalanceParams memory p
    ) private view returns (uint256 amount) {
        uint256 together = leg.amountIn * count;
        uint256 fit = LegCheck.fit(
            factory,
            leg.path,
            together,
            fairOut(v, i, o, together),
            p.maxPoolGapBps,
            p.slippageBps
        );
        // No size may trade: the check of the leg alone names it and its numbers.
        if (fit == 0) {
            uint256 fair = fairOut(v, i, o, leg.amountIn);
            LegCheck.check(factory, leg.path, leg.amountIn, fair, p.maxPoolGapBps, p.slippageBps, true);
        }
        amount = fit / count; // rounded down
        if (amount != leg.amountIn && toValue(v, i, amount, Math.Rounding.Floor) < Math.max(p.minTradeValue, 1)) {
            amount = 0;
        }
    }

    /// @dev For each leg, how many legs (itself included) cross a pool the same way as it: each pair
    /// compared once. A pool and the way a leg crosses it are the hash of the hop's bytes (token in,
    /// fee tier, token out; {UniswapPath-hopKey}); legs crossing a pool the opposite way offset each
    /// other's impact.
    function _sharing(IBallastVault.Leg[] memory legs) private pure returns (uint256[] memory counts) {
        uint256 m = legs.length;
        bytes32[][] memory pools = new bytes32[][](m);
        counts = new uint256[](m);
        // Every index below m, the length of `pools` and `counts`.
        for (uint256 k; k < m; ++k) {
            bytes memory path = legs[k].path;
            uint256 hops = path.hops();
            bytes32[] memory keys = new bytes32[](hops);
            for (uint256 h; h < hops; ++h) keys[h] = path.hopKey(h);
            pools[k] = keys;
            counts.put(k, 1);
            for (uint256 j; j < k; ++j) {
                if (_crossing(pools[j], keys)) {
                    counts.put(j, counts.at(j) + 1);
                    counts.put(k, counts.at(k) + 1);
                }
            }
        }
    }

    function _crossing(bytes32[] memory a, bytes32[] memory b) private pure returns (bool) {
        for (uint256 x; x < a.length; ++x) {
            for (uint256 y; y < b.length; ++y) if (a[x] == b[y]) return true;
        }
        return false;
    }

    /// @dev Swaps `amountIn` of asset `i` along `path` into asset `o`, asking the oracle-fair output
    /// less `slippageBps` (rounded down).
    function _legSwap(
        address factory,
        Valuation memory v,
        bytes memory path,
        uint256 i,
        uint256 o,
        uint256 amountIn,
        uint256 slippageBps
    ) private {
        _swap(factory, path, amountIn, fairOut(v, i, o, amountIn).lessBpsDown(slippageBps));
    }

    /// @dev The basket indices of `path`'s first and last tokens; reverts with
    /// {IBallastErrors-BallastLegPath} unless `path` is well formed between two different basket assets.
    function _ends(address[] memory tokens, bytes memory path) private pure returns (uint256 i, uint256 o) {
        if (!UniswapPath.isWellFormed(path)) revert IBallastErrors.BallastLegPath(path);
        (address tokenIn, address tokenOut) = (UniswapPath.tokenAt(path, 0), UniswapPath.lastToken(path));
        uint256 n = tokens.length;
        (i, o) = (n, n);
        for (uint256 j; j < n; ++j) {
            address token = tokens[j];
            if (token == tokenIn) i = j;
            if (token == tokenOut) o = j;
        }
        if (i == n || o == n || i == o) revert IBallastErrors.BallastLegPath(path);
    }

    /// @dev The base balance above the base asset's own target weight (rounded up) of the NAV.
    function _baseAboveTarget(Valuation memory v, address base) private view returns (uint256) {
        uint256 baseTarget = v.nav.bps(v.targets[0], Math.Rounding.Ceil);
        uint256 baseBalance = StaticWord.balanceOf(base, address(this));
        return baseBalance > baseTarget ? baseBalance - baseTarget : 0;
    }

    /// @dev The pools and the tokens name most faults ("SPL", "IIA", a token's custom error), which
    /// are passed on as they are; a revert with no reason at all names the leg instead.
    function _swapFailed(address tokenIn, address tokenOut, bytes memory reason) private pure {
        if (reason.length == 0) revert IBallastErrors.BallastSwapFailed(tokenIn, tokenOut);
        _bubble(reason);
    }

    /// @dev Reverts with `reason`, a callee's revert data, unchanged.
    function _bubble(bytes memory reason) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    // --- Conversions (inlined into callers) ---------------------------------------------------
    // Each reads an asset's unit with its bounds check, and then its price and the base's (index 0)
    // unchecked: a valuation's prices and units have one length, its basket's (at least 2).

    /// @notice Value in base units of `amount` of asset `i`.
    function toValue(Valuation memory v, uint256 i, uint256 amount, Math.Rounding r) internal pure returns (uint256) {
        uint256 unit = v.units[i];
        return amount.toValue(v.prices.at(i), unit, v.prices.at(0), v.units.at(0), r);
    }

    /// @notice What `amount` of asset `i` is worth in asset `o` at the valuation's prices.
    function fairOut(Valuation memory v, uint256 i, uint256 o, uint256 amount) internal pure returns (uint256) {
        (uint256 unitIn, uint256 unitOut) = (v.units[i], v.units[o]);
        return amount.toValue(v.prices.at(i), unitIn, v.prices.at(o), unitOut, Math.Rounding.Floor);
    }

    /// @notice Amount of asset `i` worth `value` base units.
    function toAmount(Valuation memory v, uint256 i, uint256 value, Math.Rounding r) internal pure returns (uint256) {
        uint256 unit = v.units[i];
        // The base asset's value converted into asset `i`: {BasketMath-toValue} the other way.
        return value.toValue(v.prices.at(0), v.units.at(0), v.prices.at(i), unit, r);
    }

    /// @notice The least a sale of `amount` of asset `i` may fetch: its oracle value less the
    /// slippage bound, both rounded down.
    function minValueOut(
        Valuation memory v,
        uint256 i,
        uint256 amount,
        uint256 slippageBps
    ) internal pure returns (uint256) {
        return toValue(v, i, amount, Math.Rounding.Floor).lessBpsDown(slippageBps);
    }

    /// @notice The largest |weight - target| of the basket, bps.
    function maxDrift(Valuation memory v) internal pure returns (uint256 drift) {
        (uint256[] memory values, uint256[] memory targets, uint256 nav) = (v.values, v.targets, v.nav);
        uint256 n = values.length;
        // Targets has the values' length: every index below n.
        for (uint256 i; i < n; ++i) {
            uint256 d = values.at(i).weightBps(nav).absDiff(targets.at(i));
            if (d > drift) drift = d;
        }
    }

    /// @notice The smallest exit slice or retiring balance worth routing: a hundredth of a base
    /// token (a cent for USDC). Smaller amounts could round to nothing along a hop.
    function sliceFloor(Valuation memory v) internal pure returns (uint256) {
        return v.units[0] / 100;
    }

    // --- Base-asset exits ---------------------------------------------------------------------

    /// @notice Slices of the non-base assets worth `value` in total, pro-rata to each asset's value,
    /// and each slice's minimum output. A slice worth less than {sliceFloor} is folded into the
    /// largest asset's slice; when even that is below the floor, nothing is sold. Each minimum allows
    /// one unit of the input token for Uniswap's fee rounding on top of the slippage bound.
    function exitSlices(
        Valuation memory v,
        uint256 value,
        uint256 slippageBps
    ) public pure returns (uint256[] memory amounts, uint256[] memory minOuts, uint256 minTotal) {
        uint256 n = v.values.length;
        amounts = new uint256[](n);
        minOuts = new uint256[](n);
        uint256 others = v.nav - v.values[0];
        uint256 floor = sliceFloor(v);
        uint256[] memory shares = new uint256[](n);
        uint256 largest = 1;
        for (uint256 i = 1; i < n; ++i) {
            if (v.values[i] > v.values[largest]) largest = i;
            shares[i] = v.values[i].mulDiv(value, others, Math.Rounding.Floor);
        }
        uint256 largestShare = shares[largest];
        for (uint256 i = 1; i < n; ++i) {
            if (i == largest) continue;
            if (shares[i] < floor) largestShare += shares[i];
            else amounts[i] = toAmount(v, i, shares[i], Math.Rounding.Floor);
        }
        if (largestShare >= floor) {
            // A near-total exit can fold more than the largest holds: sell what there is.
            amounts[largest] = Math.min(toAmount(v, largest, largestShare, Math.Rounding.Floor), v.balances[largest]);
        }
        for (uint256 i = 1; i < n; ++i) {
            if (amounts[i] == 0) continue;
            minOuts[i] = minValueOut(v, i, amounts[i] - 1, slippageBps);
            minTotal += minOuts[i];
        }
    }

    /// @notice Sells a base-asset exit's slices worth `value` beyond the base balance ({exitSlices}
    /// at valuation `v`), each along its asset's sell route on `factory`'s pools with its minimum output.
    /// Returns the base received.
    function sellExitSlices(
        BasketAdmin.Basket storage basket,
        address factory,
        Valuation memory v,
        uint256 value,
        uint256 slippageBps
    ) public returns (uint256 proceeds) {
        (uint256[] memory amounts, uint256[] memory minOuts, ) = exitSlices(v, value, slippageBps);
        for (uint256 i = 1; i < amounts.length; ++i) {
            if (amounts[i] != 0) proceeds += _swap(factory, BasketAdmin.sellRoute(basket, i), amounts[i], minOuts[i]);
        }
    }

    /// @notice The NAV value a withdraw of `assets` consumes: the assets themselves while the base
    /// balance covers them; beyond it, the shortfall grossed up by the slippage bound plus a margin
    /// for the rounding of each slice (and at least two slice floors, so that something is sold), so
    /// that the slices' minimum outputs always cover it.
    function exitValueForAssets(Valuation memory v, uint256 assets, uint256 slippageBps) public pure returns (uint256) {
        uint256 base = v.balances[0];
        if (assets <= base) return assets;
        uint256 grossed = (assets - base + sliceMargin(v)).grossUpBps(slippageBps);
        return base + Math.max(grossed, 2 * sliceFloor(v));
    }

    /// @notice The most a holder of shares worth `value` can withdraw: the inverse of
    /// {exitValueForAssets}, rounded down.
    function maxWithdrawable(Valuation memory v, uint256 value, uint256 slippageBps) public pure returns (uint256) {
        // Within what the pools can fill now, when the valuation carries flow terms.
        if (v.flowFeeWad != 0 || v.flowImpactWad != 0) value = Math.min(value, exitLimit(v, slippageBps));
        uint256 base = v.balances[0];
        if (value <= base) return value;
        // Too little beyond the base to sell anything for: the base balance is the limit.
        if (value - base < 2 * sliceFloor(v)) return base;
        uint256 net = (value - base).lessBpsDown(slippageBps);
        uint256 margin = sliceMargin(v);
        return net > margin ? base + net - margin : base;
    }

    /// @notice Upper bound of the value the roundings of {exitSlices} can lose, per asset: two units
    /// of the token (its amount rounded down, and the unit its minimum allows for Uniswap's fee
    /// rounding) and four base units (its share, value and minimum output rounded down), with one
    /// more of each kept spare.
    function sliceMargin(Valuation memory v) internal pure returns (uint256 margin) {
        uint256 n = v.values.length;
        for (uint256 i = 1; i < n; ++i) {
            if (v.balances[i] != 0) margin += 3 * toValue(v, i, 1, Math.Rounding.Ceil) + 6;
        }
    }
}
