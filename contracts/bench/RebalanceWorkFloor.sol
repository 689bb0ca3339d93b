// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {StaticWord} from "../libraries/StaticWord.sol";
import {DirectSwapper} from "./DirectSwapper.sol";
import {ValuationFloor} from "./ValuationFloor.sol";

/// @title RebalanceWorkFloor
/// @notice Benchmark baseline only: the least a rebalance that protects holders as the issues ask
/// must add, in storage and calls, to valuing the basket and trading its legs directly
/// ({DirectSwapper-valueAndSwapAll}): its records read (the last rebalance's time with the bounds
/// in one slot, the last prices two a slot, as the vault keeps them), every hop's pool read before
/// any leg trades (its price and in-range liquidity: the pool-gap and depth checks), each leg's
/// output held to a minimum, the holdings read again after the legs (the loss bound), the records
/// written back and one event. It leaves out the checks' arithmetic, the planning and the call
/// between a vault and its rebalancer, each of which only adds: what it spends beyond
/// `valueAndSwapAll` is a floor of that work.
///
/// {check} is the same floor for a keeper's check that a rebalance is due and would trade (what
/// `checkUpkeep` answers): the valuation, the records, each leg's route read from storage and its
/// pools read, and nothing written. A check that answers true only when the rebalance would trade
/// (not when the cost gate would skip it or the vault refuse a leg) must price each leg on its pools.
contract RebalanceWorkFloor is DirectSwapper {
    /// @dev The last rebalance's time and the bounds, one slot.
    uint256 private _record;
    uint128[] private _lastPrices;
    /// @dev Each leg's route, one slot (a route of up to two hops without its two ends, as the
    /// vault keeps it): a cold read costs the same whatever the slot holds, so none is written.
    mapping(uint256 => bytes32) private _routes;

    /// @notice Emitted with what the holdings add to, so that the reads cannot be optimised away.
    event Rebalanced(uint256 holdings);

    /// @notice Leg `leg` fetched `out`, under its minimum `minOut`.
    error RebalanceWorkFloorMinimum(uint256 leg, uint256 out, uint256 minOut);

    /// @param factory The Uniswap V3 factory whose pools the paths name.
    constructor(address factory) DirectSwapper(factory) {}

    /// @notice Sets the records as a vault's stand between rebalances: a time and `prices`.
    function prime(uint128[] calldata prices) external {
        _record = block.timestamp;
        delete _lastPrices;
        for (uint256 i; i < prices.length; ++i) _lastPrices.push(prices[i]);
    }

    /// @notice The rebalance's floor (see the contract's notice): `paths[k]` sells `amountsIn[k]`
    /// for at least `minsOut[k]`; `tokens` are the holdings read again; `prices` the new records.
    function rebalance(
        ValuationFloor floor,
        IERC20[] calldata tokens,
        bytes[] calldata paths,
        uint256[] calldata amountsIn,
        uint256[] calldata minsOut,
        uint128[] calldata prices
    ) external {
        floor.value(address(this));
        uint256 record = _record;
        uint256 n = _lastPrices.length;
        uint256 moved;
        for (uint256 i; i < n; ++i) moved |= _lastPrices[i] ^ prices[i];
        for (uint256 k; k < paths.length; ++k) _readPools(paths[k]);
        for (uint256 k; k < paths.length; ++k) {
            uint256 out = _swap(paths[k], amountsIn[k]);
            if (out < minsOut[k]) revert RebalanceWorkFloorMinimum(k, out, minsOut[k]);
        }
        uint256 holdings = moved;
        for (uint256 i; i < tokens.length; ++i) holdings += StaticWord.balanceOf(address(tokens[i]), address(this));
        _record = record ^ block.timestamp;
        for (uint256 i; i < n; ++i) _lastPrices[i] = prices[i];
        emit Rebalanced(holdings);
    }

    /// @notice The check's floor (see the contract's notice) of a rebalance whose legs run along
    /// `paths`: true when anything it read is non-zero, so that no read can be optimised away.
    function check(ValuationFloor floor, bytes[] calldata paths) external returns (bool due) {
        floor.value(address(this));
        uint256 read = _record;
        uint256 n = _lastPrices.length;
        for (uint256 i; i < n; ++i) read |= _lastPrices[i];
        for (uint256 k; k < paths.length; ++k) {
            read |= uint256(_routes[k]);
            _readPools(paths[k]);
        }
        due = read != 0;
    }

    /// @dev Each hop's pool of `path`: its square-root price and in-range liquidity.
    function _readPools(bytes calldata path) private view {
        uint256 hops = _hops(path);
        for (uint256 h; h < hops; ++h) {
            (address pool, , ) = _hop(path, h);
            if (StaticWord.sqrtPriceX96(pool) == 0 || StaticWord.liquidity(pool) == 0) {
                revert RebalanceWorkFloorMinimum(h, 0, 1);
            }
        }
    }
}
