// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {BasketAdmin} from "../libraries/BasketAdmin.sol";

/// @title ValuationFloor
/// @notice Benchmark baseline only: the least any vault that values a basket at oracle prices must
/// do per asset in a call, whatever else it does. It keeps each asset's token and oracle adapter in
/// storage (two addresses: two slots), reads the price the way the vault does and the holder's
/// balance, and sums their product. `npm run bench` measures it with the vault's own basket and with
/// an empty one: the difference per asset is the cold-state floor of every valued call, next to which
/// the per-asset targets are set.
///
/// {valueWithPools} adds the least that pricing an entry or an exit against the market needs
/// (the value-leak defences): each asset's first pool, kept in storage (a third slot), and its
/// price, in-range liquidity and fee. Its excess over {value}, per asset with a pool, is the floor
/// of those defences.
contract ValuationFloor {
    struct Entry {
        IBallastOracle oracle;
        IERC20 token;
        IUniswapV3Pool pool;
    }

    Entry[] private _entries;

    /// @notice Emitted with the sum, so that the reads cannot be optimised away.
    event Valued(uint256 sum);

    /// @param pools Each asset's first pool (address(0): none, as for the base asset).
    constructor(IBallastOracle[] memory oracles, IERC20[] memory tokens, IUniswapV3Pool[] memory pools) {
        for (uint256 i; i < oracles.length; ++i) _entries.push(Entry(oracles[i], tokens[i], pools[i]));
    }

    /// @notice Reads every asset's price and `holder`'s balance of it, once.
    function value(address holder) external returns (uint256 sum) {
        uint256 n = _entries.length;
        for (uint256 i; i < n; ++i) {
            Entry storage e = _entries[i];
            (, uint256 price) = BasketAdmin.tryPrice(e.oracle);
            sum += e.token.balanceOf(holder) * price;
        }
        emit Valued(sum);
    }

    /// @notice {value}, and each asset's pool: its square-root price, in-range liquidity and fee.
    function valueWithPools(address holder) external returns (uint256 sum) {
        uint256 n = _entries.length;
        for (uint256 i; i < n; ++i) {
            Entry storage e = _entries[i];
            (, uint256 price) = BasketAdmin.tryPrice(e.oracle);
            sum += e.token.balanceOf(holder) * price;
            IUniswapV3Pool pool = e.pool;
            if (address(pool) == address(0)) continue;
            (uint160 sqrtPriceX96, , , , , , ) = pool.slot0();
            sum += uint256(sqrtPriceX96) + pool.liquidity() + pool.fee();
        }
        emit Valued(sum);
    }
}
