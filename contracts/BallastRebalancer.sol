// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPeripheryImmutableState} from "@uniswap/v3-periphery/contracts/interfaces/IPeripheryImmutableState.sol";

import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastRebalancer} from "./interfaces/IBallastRebalancer.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {RebalancePlanner} from "./libraries/RebalancePlanner.sol";

/// @title BallastRebalancer
/// @notice See {IBallastRebalancer}. When and what one vault trades; the vault keeps custody and
/// the bounds that protect its holders.
contract BallastRebalancer is IBallastRebalancer, AccessControl, ReentrancyGuardTransient {
    using BasketMath for uint256;

    IBallastVault private immutable _vault;
    /// @dev The vault's router's Uniswap V3 factory: where the legs' pools are.
    address private immutable _factory;
    IBallastPolicy private _policy;

    constructor(IBallastVault vault_, IBallastPolicy policy_, address admin) {
        if (address(vault_) == address(0) || admin == address(0)) revert BallastZeroAddress();
        if (address(vault_).code.length == 0) revert BallastNotAContract(address(vault_));
        _vault = vault_;
        _factory = IPeripheryImmutableState(vault_.swapRouter()).factory();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setPolicy(policy_);
    }

    /// @inheritdoc IBallastRebalancer
    function vault() external view returns (IBallastVault) {
        return _vault;
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
        return RebalancePlanner.maxDrift(_strict(_vault.basketState()));
    }

    /// @inheritdoc IBallastRebalancer
    function rebalanceStatus()
        public
        view
        returns (IBallastPolicy.Status status, uint256 driftBps, uint256 targetBandBps)
    {
        IBallastVault.BasketState memory s = _vault.basketState();
        if (!s.valid) return (IBallastPolicy.Status.PriceUnavailable, 0, 0);
        driftBps = RebalancePlanner.maxDrift(s);
        if (s.paused) return (IBallastPolicy.Status.Paused, driftBps, 0);
        (status, targetBandBps) = _policy.evaluate(address(this), driftBps);
        targetBandBps = _usableBand(targetBandBps, s.tokens.length);
        if (_isDue(status)) status = _dueStatus(s, targetBandBps, status);
    }

    /// @inheritdoc IBallastRebalancer
    function rebalanceCost() external view returns (uint256 cost, uint256 benefit, bool worthIt) {
        IBallastVault.BasketState memory s = _strict(_vault.basketState());
        (, uint256 band) = _policy.evaluate(address(this), RebalancePlanner.maxDrift(s));
        (cost, benefit, worthIt, ) = _assess(s, RebalancePlanner.plan(s, _usableBand(band, s.tokens.length)), true);
    }

    /// @inheritdoc IBallastRebalancer
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        performData = "";
        // Cheap checks first: a tripped breaker or a cooldown, which no drift can make due (the
        // policy answers for the largest drift there is), before any oracle is read.
        (IBallastPolicy.Status dormant, ) = _policy.evaluate(address(this), type(uint256).max);
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
    function poke() external nonReentrant {
        // One read of every oracle: a failing one keeps its last price.
        IBallastVault.BasketState memory s = _vault.recordPrices();
        // Breakers judge valid prices only; a failing oracle halts trading by itself, and trips the
        // breaker too where the policy says so.
        if (s.valid) {
            _policy.observe(s.prices);
            _policy.checkBreakers(s.prices, _poolChecks(s));
        } else {
            _policy.reportInvalidPrice(s.firstInvalid);
        }
    }

    /// @inheritdoc IBallastRebalancer
    function rebalance() public nonReentrant returns (uint256 trades) {
        IBallastVault.BasketState memory s = _vault.recordPrices();
        if (s.paused) revert EnforcedPause();
        _strict(s);
        uint256 driftBefore = RebalancePlanner.maxDrift(s);
        (IBallastPolicy.Status status, uint256 band) = _policy.evaluate(address(this), driftBefore);
        if (!_isDue(status)) revert BallastRebalanceNotDue(uint8(status), driftBefore);
        band = _usableBand(band, s.tokens.length);
        _policy.observe(s.prices);
        // A breaker that trips now must stay recorded: return without trading rather than revert.
        if (_policy.checkBreakers(s.prices, _poolChecks(s))) return 0;
        RebalancePlanner.Plan memory pl = RebalancePlanner.plan(s, band);
        if (_policy.costGateActive() && !_worthIt(s, pl)) return 0;
        (trades, , ) = _vault.executeRebalance(RebalancePlanner.legs(s, pl), msg.sender);
        _policy.recordRebalance();
    }

    /// @inheritdoc IBallastRebalancer
    function basketChanged() external {
        if (msg.sender != address(_vault)) revert BallastNotVault(msg.sender, address(_vault));
        _policy.resetObservations();
    }

    /// @dev The cost-efficiency gate: a plan not worth its cost is skipped, dormant rather than
    /// reverting, so that the numbers are on record.
    function _worthIt(
        IBallastVault.BasketState memory s,
        RebalancePlanner.Plan memory pl
    ) private returns (bool worthIt) {
        uint256 cost;
        uint256 benefit;
        (cost, benefit, worthIt, ) = _assess(s, pl, true);
        if (!worthIt) emit RebalanceSkipped(msg.sender, cost, benefit);
    }

    /// @dev What a rebalance the policy finds `due` (Due or DueByCalendar) would do now, for the
    /// status report: when the policy's cost gate is on, Uneconomic when the plan (target band
    /// `band`) is not worth its cost and PriceUnavailable when the gate cannot price it; then
    /// LegUnfit when the vault would refuse a leg of the plan ({IBallastVault-executeRebalance});
    /// else `due`. Never reverts on the pools or the gate.
    function _dueStatus(
        IBallastVault.BasketState memory s,
        uint256 band,
        IBallastPolicy.Status due
    ) private view returns (IBallastPolicy.Status) {
        RebalancePlanner.Plan memory pl = RebalancePlanner.plan(s, band);
        if (_policy.costGateActive()) {
            (, , bool worthIt, bool priced) = _assess(s, pl, false);
            // The gate's gas-token oracle failing: no verdict, and no rebalance, until it prices.
            if (!priced) return IBallastPolicy.Status.PriceUnavailable;
            if (!worthIt) return IBallastPolicy.Status.Uneconomic;
        }
        return RebalancePlanner.fits(s, pl, _factory) ? due : IBallastPolicy.Status.LegUnfit;
    }

    /// @dev The policy's cost-efficiency verdict on plan `pl` (see {IBallastPolicy-assessCost}).
    /// `priced` is false, rather than the call reverting, when the policy cannot price the plan (its
    /// gas-token oracle fails) and `strict` is off: a status report must not revert.
    function _assess(
        IBallastVault.BasketState memory s,
        RebalancePlanner.Plan memory pl,
        bool strict
    ) private view returns (uint256 cost, uint256 benefit, bool worthIt, bool priced) {
        IBallastPolicy.CostInput memory input = IBallastPolicy.CostInput(
            _factory,
            s.nav,
            pl.driftRemovedBps,
            s.prices[0],
            s.units[0],
            RebalancePlanner.trades(s, pl)
        );
        try _policy.assessCost(input) returns (uint256 c, uint256 b, bool w) {
            return (c, b, w, true);
        } catch (bytes memory reason) {
            // The policy fails only when its gas-token oracle does (the pools it reads do not revert).
            if (strict) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(reason, 32), mload(reason))
                }
            }
        }
    }

    /// @dev The pools the breakers watch in state `s`; none when the policy checks no TWAP, which
    /// is the only use it makes of them (see {IBallastPolicy-checkBreakers}).
    function _poolChecks(IBallastVault.BasketState memory s) private view returns (IBallastPolicy.PoolCheck[] memory) {
        if (_policy.breakerParams().twapWindow == 0) return new IBallastPolicy.PoolCheck[](0);
        return RebalancePlanner.poolChecks(s, _factory);
    }

    /// @dev The policy's target band, capped so that the base asset, which absorbs what every other
    /// asset leaves inside its band, stays well inside the trigger band: at most half the trigger
    /// band spread over the `n - 1` non-base assets. Without the cap, N assets each stopping a band
    /// short of target could leave the base N bands off, a drift no trade would ever remove.
    function _usableBand(uint256 band, uint256 n) private view returns (uint256) {
        uint256 cap = _policy.effectiveTriggerBand(address(this)) / (2 * (n - 1));
        return Math.min(band, cap);
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
        if (address(newPolicy) == address(0)) revert BallastZeroAddress();
        // An account without code would make every rebalance and status view revert.
        if (address(newPolicy).code.length == 0) revert BallastNotAContract(address(newPolicy));
        emit PolicySet(_policy, newPolicy);
        _policy = newPolicy;
    }
}
