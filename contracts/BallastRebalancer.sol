// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IBallastBreakers} from "./interfaces/IBallastBreakers.sol";
import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastPlanner} from "./interfaces/IBallastPlanner.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastRebalancer} from "./interfaces/IBallastRebalancer.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {GasValue} from "./libraries/GasValue.sol";
import {PlanReview} from "./libraries/PlanReview.sol";

/// @title BallastRebalancer
/// @notice See {IBallastRebalancer}. When and what one vault trades; the vault keeps custody and
/// the bounds that protect its holders.
contract BallastRebalancer is IBallastRebalancer, AccessControl, ReentrancyGuardTransient {
    using BasketMath for uint256;
    using Math for uint256;

    /// @notice Largest reward premium: twice the gas.
    uint256 public constant MAX_PREMIUM_BPS = 10_000;
    /// @notice Largest reward cap: 0.1% of NAV a rebalance.
    uint256 public constant MAX_REWARD_BPS = 10;
    /// @notice Largest absolute reward cap, whole base tokens.
    uint256 public constant MAX_REWARD_TOKENS = 1_000_000;
    /// @dev What a rebalance transaction spends that the rebalancer's measure (`gasleft()` around
    /// its work) cannot see, for the keeper's reward: the intrinsic 21,000; its calldata, as the
    /// entry point's canonical encoding (not `msg.data`: trailing bytes, which the call ignores, earn
    /// nothing), priced at a non-zero byte's 16; and the rest, measured by
    /// test/BallastRebalancer.reward.test.ts on 3 legs: the call's entry before the measure starts
    /// and the reward's payment to a keeper that already holds the base asset, less the refunds of
    /// the pools' locks. A keeper's first reward writes its balance from zero (17,100 more, once);
    /// more legs refund more (2,800 a swap).
    uint256 private constant TX_BASE_GAS = 21_000;
    uint256 private constant CALLDATA_GAS_PER_BYTE = 16;
    uint256 private constant REWARD_TAIL_GAS = 24_000;
    /// @notice Bounds of {PlanParams}.
    uint256 public constant MIN_DRIFT_CUT_BPS = 1_000;
    uint256 public constant MAX_COST_TOLERANCE_BPS = 500;

    IBallastVault private immutable _vault;
    /// @dev Where the on-chain plan of {rebalance} comes from.
    IBallastPlanner private immutable _planner;
    /// @dev The vault's Uniswap V3 factory: where the legs' pools are.
    address private immutable _factory;
    IBallastPolicy private _policy;
    /// @dev {PlanParams}, flattened into the policy's slot: a keeper's plan reads both.
    uint16 private _minDriftCutBps;
    uint16 private _costToleranceBps;
    IBallastBreakers private _breakers;
    RewardParams private _reward;

    constructor(
        IBallastVault vault_,
        IBallastPolicy policy_,
        IBallastBreakers breakers_,
        IBallastPlanner planner_,
        address admin
    ) {
        if (address(vault_) == address(0) || address(planner_) == address(0) || admin == address(0)) {
            revert BallastZeroAddress();
        }
        if (address(vault_).code.length == 0) revert BallastNotAContract(address(vault_));
        if (address(planner_).code.length == 0) revert BallastNotAContract(address(planner_));
        _vault = vault_;
        _planner = planner_;
        _factory = vault_.uniswapFactory();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setPolicy(policy_);
        _setBreakers(breakers_);
        // Plans must reach the band or cut the largest drift by a quarter (the trade cap can stop the
        // on-chain plan itself short of half), and cost at most 0.1% more than quoted.
        (_minDriftCutBps, _costToleranceBps) = (2_500, 10);
        emit PlanParamsSet(PlanParams(0, 0), PlanParams(2_500, 10));
    }

    /// @inheritdoc IBallastRebalancer
    function vault() external view returns (IBallastVault) {
        return _vault;
    }

    /// @inheritdoc IBallastRebalancer
    function planner() external view returns (IBallastPlanner) {
        return _planner;
    }

    /// @inheritdoc IBallastRebalancer
    function policy() external view returns (IBallastPolicy) {
        return _policy;
    }

    /// @inheritdoc IBallastRebalancer
    function setPolicy(IBallastPolicy newPolicy) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newPolicy == _policy) revert BallastParameterUnchanged();
        _setPolicy(newPolicy);
    }

    /// @inheritdoc IBallastRebalancer
    function breakers() external view returns (IBallastBreakers) {
        return _breakers;
    }

    /// @inheritdoc IBallastRebalancer
    function setBreakers(IBallastBreakers newBreakers) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newBreakers == _breakers) revert BallastParameterUnchanged();
        _setBreakers(newBreakers);
    }

    /// @inheritdoc IBallastRebalancer
    function rewardParams() external view returns (RewardParams memory) {
        return _reward;
    }

    /// @inheritdoc IBallastRebalancer
    function setRewardParams(RewardParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        RewardParams memory old = _reward;
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(old))) revert BallastParameterUnchanged();
        Bounds.check(Parameter.RewardPremiumBps, params.premiumBps, 0, MAX_PREMIUM_BPS);
        Bounds.check(Parameter.MaxRewardBps, params.maxRewardBps, 0, MAX_REWARD_BPS);
        uint256 baseUnit = 10 ** IERC20Metadata(_vault.asset()).decimals();
        Bounds.check(Parameter.MaxReward, params.maxReward, 0, MAX_REWARD_TOKENS * baseUnit);
        _reward = params;
        emit RewardParamsSet(old, params);
    }

    /// @inheritdoc IBallastRebalancer
    function planParams() public view returns (PlanParams memory) {
        return PlanParams(_minDriftCutBps, _costToleranceBps);
    }

    /// @inheritdoc IBallastRebalancer
    function setPlanParams(PlanParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        PlanParams memory old = planParams();
        if (params.minDriftCutBps == old.minDriftCutBps && params.costToleranceBps == old.costToleranceBps) {
            revert BallastParameterUnchanged();
        }
        Bounds.check(Parameter.MinDriftCutBps, params.minDriftCutBps, MIN_DRIFT_CUT_BPS, BasketMath.BPS);
        Bounds.check(Parameter.CostToleranceBps, params.costToleranceBps, 0, MAX_COST_TOLERANCE_BPS);
        (_minDriftCutBps, _costToleranceBps) = (params.minDriftCutBps, params.costToleranceBps);
        emit PlanParamsSet(old, params);
    }

    /// @inheritdoc IBallastRebalancer
    function oracles() external view returns (IBallastOracle[] memory) {
        return _vault.oracles();
    }

    /// @inheritdoc IBallastRebalancer
    function currentWeights() external view returns (uint256[] memory weights) {
        IBallastVault.BasketState memory s = _strict(_vault.basketState());
        uint256 n = s.values.length;
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) weights[i] = s.values[i].weightBps(s.nav);
    }

    /// @inheritdoc IBallastRebalancer
    function maxDrift() external view returns (uint256) {
        return PlanReview.maxDrift(_strict(_vault.basketState()));
    }

    /// @inheritdoc IBallastRebalancer
    function rebalanceStatus()
        public
        view
        returns (IBallastPolicy.Status status, uint256 driftBps, uint256 targetBandBps)
    {
        IBallastVault.BasketState memory s = _vault.basketState();
        if (!s.valid) return (IBallastPolicy.Status.PriceUnavailable, 0, 0);
        driftBps = PlanReview.maxDrift(s);
        if (s.paused) return (IBallastPolicy.Status.Paused, driftBps, 0);
        IBallastPolicy.Decision memory d = _decision(s, driftBps);
        targetBandBps = _usableBand(d, s.tokens.length);
        status = _isDue(d.status) ? _dueStatus(s, targetBandBps, d) : d.status;
    }

    /// @inheritdoc IBallastRebalancer
    function rebalanceCost() external view returns (uint256 cost, uint256 benefit, bool worthIt) {
        IBallastVault.BasketState memory s = _strict(_vault.basketState());
        // The plan a due rebalance would make: the breakers have no say in it.
        IBallastPolicy.Decision memory d = _policy.decision(
            address(this),
            PlanReview.maxDrift(s),
            s.prices[0],
            s.units[0]
        );
        (IBallastPolicy.Trade[] memory trades, uint256 removed) = _planAt(
            s,
            _usableBand(d, s.tokens.length),
            d.minLegValue
        );
        (cost, benefit, worthIt, , ) = _assess(s, trades, removed, true);
    }

    /// @inheritdoc IBallastRebalancer
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        performData = "";
        // Cheap checks first: a trip in force or a cooldown, which no drift can make due (the
        // policy answers for the largest drift there is), before any oracle is read.
        IBallastPolicy.Status dormant = _evaluate(type(uint256).max);
        if (dormant == IBallastPolicy.Status.BreakerTripped || dormant == IBallastPolicy.Status.Cooldown) {
            return (false, performData);
        }
        (IBallastPolicy.Status status, , ) = rebalanceStatus();
        upkeepNeeded = _isDue(status);
    }

    /// @inheritdoc IBallastRebalancer
    function performUpkeep(bytes calldata) external {
        rebalance();
    }

    /// @inheritdoc IBallastRebalancer
    function rebalance() public nonReentrant returns (uint256 trades) {
        uint256 gasStart = gasleft();
        (IBallastVault.BasketState memory s, IBallastPolicy.Decision memory d, uint256 band, bool refused) = _open();
        if (refused) return 0;
        (IBallastPolicy.Trade[] memory planned, uint256 removed) = _planAt(s, band, d.minLegValue);
        if (d.costGateActive) {
            (uint256 cost, uint256 benefit, bool worthIt, , ) = _assess(s, planned, removed, true);
            if (!_passes(cost, benefit, worthIt)) return 0;
        }
        (uint256 made, uint256 navBefore, uint256 navAfter, ) = _vault.executeRebalance(_legs(planned), msg.sender);
        // Its canonical calldata: the selector alone.
        _settle(s, made, _rewardBudget(s, navBefore, navAfter), gasStart, 4);
        return made;
    }

    /// @inheritdoc IBallastRebalancer
    function rebalancePlan(IBallastVault.Leg[] calldata legs) external nonReentrant returns (uint256 trades) {
        uint256 gasStart = gasleft();
        (IBallastVault.BasketState memory s, IBallastPolicy.Decision memory d, uint256 band, bool refused) = _open();
        if (refused) return 0;
        (bool go, uint256 allowedLoss) = _quotePlan(s, legs, d.costGateActive);
        if (!go) return 0;
        uint256 budget;
        (trades, budget) = _executePlan(s, legs, band, allowedLoss);
        _settle(s, trades, budget, gasStart, _planCalldata(legs));
    }

    /// @dev The length of `rebalancePlan(legs)`'s canonical ABI encoding: the selector, the array's
    /// offset and length, and per leg its offset, its path's offset, its amount, its path's length
    /// and its path's bytes padded to words.
    function _planCalldata(IBallastVault.Leg[] calldata legs) private pure returns (uint256 size) {
        size = 4 + 64;
        for (uint256 k; k < legs.length; ++k) size += 128 + ((legs[k].path.length + 31) / 32) * 32;
    }

    /// @dev Reviews a keeper's `legs` ({PlanReview-review}) and quotes their cost: `go` is false
    /// when the cost gate (on when `gated`) skips them; `allowedLoss` is the policy's quote (the
    /// reward's premium, which the vault pays apart, left out) plus the tolerance on the value
    /// traded. The quote bounds what the plan may lose, so it is made whether or not the gate is on.
    function _quotePlan(
        IBallastVault.BasketState memory s,
        IBallastVault.Leg[] calldata legs,
        bool gated
    ) private returns (bool go, uint256 allowedLoss) {
        (IBallastPolicy.Trade[] memory quoted, uint256 removed, uint256 traded) = PlanReview.review(s, legs);
        (uint256 cost, uint256 benefit, bool worthIt, , uint256 premium) = _assess(s, quoted, removed, true);
        go = !gated || _passes(cost, benefit, worthIt);
        allowedLoss = cost - premium + traded.bps(_costToleranceBps, Math.Rounding.Floor);
    }

    /// @dev Has the vault trade a keeper's `legs`, then holds the outcome to the plan's account
    /// (see {rebalancePlan}): the drift left against `band`, the NAV lost against `allowedLoss`.
    function _executePlan(
        IBallastVault.BasketState memory s,
        IBallastVault.Leg[] calldata legs,
        uint256 band,
        uint256 allowedLoss
    ) private returns (uint256 trades, uint256 rewardBudget) {
        (uint256 made, uint256 navBefore, uint256 navAfter, uint256 driftAfter) = _vault.executeRebalance(
            legs,
            msg.sender
        );
        if (driftAfter > band) {
            // `s` is the state before the legs: only a plan that stops short of the band needs it.
            uint256 driftBefore = PlanReview.maxDrift(s);
            uint256 required = driftBefore.bps(_minDriftCutBps, Math.Rounding.Ceil);
            if (driftAfter > driftBefore || driftBefore - driftAfter < required) {
                revert BallastPlanDrift(driftBefore, driftAfter, band, required);
            }
        }
        if (navBefore > navAfter && navBefore - navAfter > allowedLoss) {
            revert BallastPlanCost(navBefore - navAfter, allowedLoss);
        }
        return (made, _rewardBudget(s, navBefore, navAfter));
    }

    /// @inheritdoc IBallastRebalancer
    function basketChanged() external {
        if (msg.sender != address(_vault)) revert BallastNotVault(msg.sender, address(_vault));
        _policy.resetObservations();
    }

    /// @dev A rebalance's common start: the vault's state with its prices recorded, the policy's
    /// decision (on the volatility estimate it observes first), the checks that revert (paused, a
    /// price invalid, a trip in force, not due), and the breakers' check, which ends the call without
    /// trading (`refused`) rather than revert, so that a trip stays recorded. `band` is the band
    /// trades stop at.
    function _open()
        private
        returns (IBallastVault.BasketState memory s, IBallastPolicy.Decision memory d, uint256 band, bool refused)
    {
        s = _vault.recordPrices();
        if (s.paused) revert EnforcedPause();
        _strict(s);
        uint256 driftBefore = PlanReview.maxDrift(s);
        d = _policy.decide(driftBefore, s.prices[0], s.units[0]);
        if (_breakers.holds(address(this))) d.status = IBallastPolicy.Status.BreakerTripped;
        if (!_isDue(d.status)) revert BallastRebalanceNotDue(uint8(d.status), driftBefore);
        band = _usableBand(d, s.tokens.length);
        refused = _breakers.checkBreakers(s.prices, _poolChecks(s));
    }

    /// @dev The policy's decision ({IBallastPolicy-decision}) on state `s`, whose largest drift is
    /// `driftBps`, with a trip of the breakers in force reported first (BreakerTripped), as
    /// {rebalance} decides.
    function _decision(
        IBallastVault.BasketState memory s,
        uint256 driftBps
    ) private view returns (IBallastPolicy.Decision memory d) {
        d = _policy.decision(address(this), driftBps, s.prices[0], s.units[0]);
        if (_breakers.holds(address(this))) d.status = IBallastPolicy.Status.BreakerTripped;
    }

    /// @dev The policy's status for a largest drift of `driftBps`, a trip of the breakers in force
    /// reported first, before any oracle is read ({checkUpkeep}'s cheap checks).
    function _evaluate(uint256 driftBps) private view returns (IBallastPolicy.Status status) {
        (status, ) = _policy.evaluate(address(this), driftBps);
        if (_breakers.holds(address(this))) status = IBallastPolicy.Status.BreakerTripped;
    }

    /// @dev After the vault traded: the policy's record (the cooldown starts), and the keeper's
    /// reward for the gas spent since `gasStart` and a call of `calldataBytes` (see {REWARD_TAIL_GAS}),
    /// when anything traded, at most `budget`.
    function _settle(
        IBallastVault.BasketState memory s,
        uint256 trades,
        uint256 budget,
        uint256 gasStart,
        uint256 calldataBytes
    ) private {
        _policy.recordRebalance();
        if (trades == 0 || _reward.maxRewardBps == 0 || _reward.maxReward == 0) return;
        // The gas measured inside the call, plus what it leaves out (see {REWARD_TAIL_GAS}).
        uint256 gasUsed = gasStart - gasleft() + TX_BASE_GAS + CALLDATA_GAS_PER_BYTE * calldataBytes + REWARD_TAIL_GAS;
        uint256 reward = Math.min(_rewardFor(s, gasUsed, _policy.costParams().gasTokenOracle), budget);
        if (reward != 0) _vault.payReward(msg.sender, reward);
    }

    /// @dev What the vault's loss bound leaves for the reward after a rebalance that took NAV from
    /// `navBefore` to `navAfter` (as {IBallastVault-payReward} computes it).
    function _rewardBudget(
        IBallastVault.BasketState memory s,
        uint256 navBefore,
        uint256 navAfter
    ) private pure returns (uint256) {
        return navAfter - navBefore.lessBpsDown(s.params.maxLossBps);
    }

    /// @dev The cost-efficiency gate's verdict ({_assess}): a plan not worth it is skipped, dormant
    /// rather than reverting, so that the numbers are on record.
    function _passes(uint256 cost, uint256 benefit, bool worthIt) private returns (bool) {
        if (!worthIt) emit RebalanceSkipped(msg.sender, cost, benefit);
        return worthIt;
    }

    /// @dev The reward for `gasUnits` priced through `gasToken` (see {RewardParams}), rounded down;
    /// 0 when the reward is off or the gas cannot be priced.
    function _rewardFor(
        IBallastVault.BasketState memory s,
        uint256 gasUnits,
        IBallastOracle gasToken
    ) private view returns (uint256) {
        RewardParams memory r = _reward;
        if (r.maxRewardBps == 0 || r.maxReward == 0 || address(gasToken) == address(0)) return 0;
        // A gas token that cannot be priced (reverts, garbage) pays nothing, and never reverts.
        (bool ok, uint256 gasValue) = GasValue.inBase(gasUnits, gasToken, s.prices[0], s.units[0], Math.Rounding.Floor);
        if (!ok) return 0;
        uint256 reward = gasValue.mulDiv(BasketMath.BPS + r.premiumBps, BasketMath.BPS);
        return Math.min(reward, Math.min(s.nav.bps(r.maxRewardBps, Math.Rounding.Floor), r.maxReward));
    }

    /// @dev What a rebalance the policy's decision `d` finds due (Due or DueByCalendar: `due`) would
    /// do now, for the status report, in {rebalance}'s order: BreakerTripped when the breakers would
    /// refuse it and record nothing; `due` when they would record a new trip (that rebalance is what records it:
    /// nothing else runs the breakers' check); when the policy's cost gate is on, Uneconomic when the
    /// plan (target band `band`) is not worth its cost and PriceUnavailable when the gate cannot
    /// price it; then LegUnfit when the vault would refuse a leg of the plan
    /// ({IBallastVault-executeRebalance}); else `due`. Never reverts on the pools or the gate.
    function _dueStatus(
        IBallastVault.BasketState memory s,
        uint256 band,
        IBallastPolicy.Decision memory d
    ) private view returns (IBallastPolicy.Status) {
        IBallastPolicy.Status due = d.status;
        (IBallastBreakers.Trip reason, , bool records) = _breakers.refusal(address(this), s.prices, _poolChecks(s));
        // A call that would record a trip trades nothing, whatever its plan: the gate and the legs
        // have no say in it.
        if (reason != IBallastBreakers.Trip.None) return records ? due : IBallastPolicy.Status.BreakerTripped;
        (IBallastPolicy.Trade[] memory trades, uint256 removed) = _planAt(s, band, d.minLegValue);
        if (d.costGateActive) {
            (, , bool worthIt, bool priced, ) = _assess(s, trades, removed, false);
            // The gate's gas-token oracle failing: no verdict, and no rebalance, until it prices.
            if (!priced) return IBallastPolicy.Status.PriceUnavailable;
            if (!worthIt) return IBallastPolicy.Status.Uneconomic;
        }
        return
            _planner.fits(_factory, trades, s.params.maxPoolGapBps, s.params.slippageBps)
                ? due
                : IBallastPolicy.Status.LegUnfit;
    }

    /// @dev The policy's cost-efficiency verdict on `trades` removing `driftRemovedBps` of total
    /// drift (see {IBallastPolicy-assessCost}), with the keeper reward the rebalance would pay
    /// counted as a cost beyond the gas the policy already counts: its premium (all of it,
    /// conservatively, when capped below the gas). The status, the cost report and the rebalance
    /// itself all judge by this one verdict; `premium` is the part of `cost` the premium makes. A plan
    /// with no trade is never worth it: it would only start the cooldown.
    /// `priced` is false, rather than the call reverting, when the policy cannot price the plan (its
    /// gas-token oracle fails) and `strict` is off: a status report must not revert.
    function _assess(
        IBallastVault.BasketState memory s,
        IBallastPolicy.Trade[] memory trades,
        uint256 driftRemovedBps,
        bool strict
    ) private view returns (uint256 cost, uint256 benefit, bool worthIt, bool priced, uint256 premium) {
        IBallastPolicy.CostInput memory input = IBallastPolicy.CostInput(
            _factory,
            s.nav,
            driftRemovedBps,
            s.prices[0],
            s.units[0],
            trades
        );
        try _policy.assessCost(input) returns (uint256 c, uint256 b, bool w) {
            (cost, benefit, worthIt, priced) = (c, b, w, true);
        } catch (bytes memory reason) {
            // The policy fails only when its gas-token oracle does (the pools it reads do not revert).
            if (strict) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(reason, 32), mload(reason))
                }
            }
            return (0, 0, false, false, 0);
        }
        if (_reward.maxRewardBps != 0 && _reward.maxReward != 0) {
            // The reward's gas from the policy's cost model: `gasBase + gasPerHop` a leg (each trade
            // one leg, counted as one hop: a lower bound).
            IBallastPolicy.CostParams memory cp = _policy.costParams();
            uint256 gasUnits = uint256(cp.gasBase) + uint256(cp.gasPerHop) * trades.length;
            uint256 reward = _rewardFor(s, gasUnits, cp.gasTokenOracle);
            premium = reward.mulDiv(_reward.premiumBps, BasketMath.BPS + _reward.premiumBps, Math.Rounding.Ceil);
            cost += premium;
            worthIt = cp.maxCostRatioBps == 0 || cost * BasketMath.BPS <= benefit * cp.maxCostRatioBps;
        }
        if (trades.length == 0) worthIt = false;
    }

    /// @dev The pools the breakers watch in state `s`; none when they check no TWAP, which is the
    /// only use they make of them (see {IBallastBreakers-checkBreakers}).
    function _poolChecks(
        IBallastVault.BasketState memory s
    ) private view returns (IBallastBreakers.PoolCheck[] memory) {
        if (_breakers.breakerParams().twapWindow == 0) return new IBallastBreakers.PoolCheck[](0);
        // Every asset's sell route but the base's (bit 0).
        (bytes[] memory sellRoutes, ) = _vault.basketRoutes(((1 << s.tokens.length) - 1) & ~uint256(1), 0);
        return PlanReview.poolChecks(s, sellRoutes, _factory);
    }

    /// @dev The planner's plan at `band` ({IBallastPlanner-plan}), without the trades too small to
    /// pay for their own leg (under `minLegValue`, {IBallastPolicy-minLegValue}).
    function _planAt(
        IBallastVault.BasketState memory s,
        uint256 band,
        uint256 minLegValue
    ) private view returns (IBallastPolicy.Trade[] memory, uint256) {
        return _planner.plan(_vault, s, band, minLegValue);
    }

    /// @dev The legs that carry out `trades`, in their order.
    function _legs(IBallastPolicy.Trade[] memory trades) private pure returns (IBallastVault.Leg[] memory legs) {
        legs = new IBallastVault.Leg[](trades.length);
        for (uint256 k; k < trades.length; ++k) legs[k] = IBallastVault.Leg(trades[k].route, trades[k].amountIn);
    }

    /// @dev The policy's target band, capped so that the base asset, which absorbs what every other
    /// asset leaves inside its band, stays well inside the trigger band: at most half the trigger
    /// band spread over the `n - 1` non-base assets. Without the cap, N assets each stopping a band
    /// short of target could leave the base N bands off, a drift no trade would ever remove.
    function _usableBand(IBallastPolicy.Decision memory d, uint256 n) private pure returns (uint256) {
        return Math.min(d.targetBandBps, d.triggerBandBps / (2 * (n - 1)));
    }

    /// @dev `s`, or a revert naming the first asset without a valid price.
    function _strict(IBallastVault.BasketState memory s) private pure returns (IBallastVault.BasketState memory) {
        if (!s.valid) revert BallastPriceUnavailable(s.tokens[s.firstInvalid]);
        return s;
    }

    function _isDue(IBallastPolicy.Status status) private pure returns (bool) {
        return status == IBallastPolicy.Status.Due || status == IBallastPolicy.Status.DueByCalendar;
    }

    function _setPolicy(IBallastPolicy newPolicy) private {
        _checkContract(address(newPolicy));
        emit PolicySet(_policy, newPolicy);
        _policy = newPolicy;
    }

    function _setBreakers(IBallastBreakers newBreakers) private {
        _checkContract(address(newBreakers));
        emit BreakersSet(_breakers, newBreakers);
        _breakers = newBreakers;
    }

    function _checkContract(address account) private view {
        if (account == address(0)) revert BallastZeroAddress();
        // An account without code would make every rebalance and status view revert.
        if (account.code.length == 0) revert BallastNotAContract(account);
    }
}
