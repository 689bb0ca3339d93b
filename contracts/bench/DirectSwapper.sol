// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

import {PoolAddress} from "../libraries/PoolAddress.sol";
import {TickMath} from "../libraries/TickMath.sol";
import {ValuationFloor} from "./ValuationFloor.sol";

/// @title DirectSwapper
/// @notice Benchmark baseline only: the least a contract that holds the tokens must do to sell
/// exactly `amountIn` along a Uniswap V3 path directly on the pools, as the vault's swaps do
/// ({VaultLogic-_swap}): per hop, the pool's address computed from the factory ({PoolAddress}), its
/// name kept in transient storage for the callback, `pool.swap` to this contract at the extreme
/// price limit, the output the pool reports as the next hop's input; and in
/// `uniswapV3SwapCallback`, the pool under way (and no other caller) paid what it asks with
/// `transfer`. `npm run bench` replays each leg of a rebalance through it on the pool state the
/// rebalance saw, the contract funded beforehand: the floor of the legs' swaps, next to which what
/// the vault adds to a rebalance is measured. None of the vault's own checks (balance deltas, a
/// minimum output, an incomplete fill, a callback's cap, events) and no access control: whoever
/// calls it sells its tokens into its own balance, at any price.
contract DirectSwapper is IUniswapV3SwapCallback {
    using TransientSlot for *;

    /// @notice The pool of the hop under way, the only caller the callback pays (transient: set
    /// before each `pool.swap`, cleared by the callback before it pays, so that it pays once).
    bytes32 private constant POOL_SLOT = keccak256("ballast.bench.directSwapper.pool");
    /// @notice The token that pool is owed: the hop's input (transient, set with {POOL_SLOT}).
    bytes32 private constant TOKEN_SLOT = keccak256("ballast.bench.directSwapper.token");

    address internal immutable _factory;

    /// @notice The callback was called by `caller`, not the pool of a hop under way.
    error DirectSwapperNotPool(address caller);
    /// @notice The owed token's `transfer` returned false.
    error DirectSwapperTransferFailed();

    /// @param factory The Uniswap V3 factory whose pools the paths name.
    constructor(address factory) {
        _factory = factory;
    }

    /// @notice Sells exactly `amountIn` of `path`'s first token (`token | fee | token | ...`, as
    /// SwapRouter's `exactInput` takes it) for its last, which stays here.
    /// @return out What the last pool sent.
    function swap(bytes calldata path, uint256 amountIn) external returns (uint256 out) {
        return _swap(path, amountIn);
    }

    /// @notice {swap} of each `amountsIn[k]` along `paths[k]`, in order, in one call: a rebalance's
    /// legs as one transaction pays what they share (a token, a pool) cold once, as the vault does.
    function swapAll(bytes[] calldata paths, uint256[] calldata amountsIn) public {
        for (uint256 k; k < paths.length; ++k) _swap(paths[k], amountsIn[k]);
    }

    /// @notice {swapAll} after valuing this contract's holdings through `floor`
    /// ({ValuationFloor-value}): the floor of a whole rebalance in one transaction, where the
    /// valuation's cold reads of the tokens (their accounts, this contract's balances) leave them
    /// warm for the legs, as the vault's own valuation does for its swaps.
    function valueAndSwapAll(ValuationFloor floor, bytes[] calldata paths, uint256[] calldata amountsIn) external {
        floor.value(address(this));
        swapAll(paths, amountsIn);
    }

    /// @dev How many hops `path` (a Uniswap V3 path in calldata) has.
    function _hops(bytes calldata path) internal pure returns (uint256) {
        return (path.length - 20) / 23;
    }

    /// @dev Hop `h` of `path`: its pool under the factory, and the tokens in and out.
    function _hop(bytes calldata path, uint256 h) internal view returns (address pool, address a, address b) {
        uint256 at = h * 23;
        (a, b) = (address(bytes20(path[at:at + 20])), address(bytes20(path[at + 23:at + 43])));
        pool = PoolAddress.compute(_factory, a, b, uint24(bytes3(path[at + 20:at + 23])));
    }

    function _swap(bytes calldata path, uint256 amountIn) internal returns (uint256 out) {
        out = amountIn;
        uint256 hops = _hops(path);
        for (uint256 h; h < hops; ++h) {
            (address pool, address a, address b) = _hop(path, h);
            bool zeroForOne = a < b;
            POOL_SLOT.asAddress().tstore(pool);
            TOKEN_SLOT.asAddress().tstore(a);
            (int256 amount0, int256 amount1) = IUniswapV3Pool(pool).swap(
                address(this),
                zeroForOne,
                SafeCast.toInt256(out),
                zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1,
                ""
            );
            // The pool's output: the negative delta of the token it sent.
            out = uint256(-(zeroForOne ? amount1 : amount0));
        }
    }

    /// @notice Pays the pool of the hop under way the positive delta it asks, once.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != POOL_SLOT.asAddress().tload()) revert DirectSwapperNotPool(msg.sender);
        POOL_SLOT.asAddress().tstore(address(0));
        uint256 owed = uint256(amount0Delta > 0 ? amount0Delta : amount1Delta);
        if (!IERC20(TOKEN_SLOT.asAddress().tload()).transfer(msg.sender, owed)) revert DirectSwapperTransferFailed();
    }
}
