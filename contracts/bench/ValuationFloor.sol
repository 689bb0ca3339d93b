// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {BasketAdmin} from "../libraries/BasketAdmin.sol";
import {PoolAddress} from "../libraries/PoolAddress.sol";
import {StaticWord} from "../libraries/StaticWord.sol";

/// @title ValuationFloor
/// @notice Benchmark baseline only: the least any vault that values a basket at oracle prices must
/// do per asset in a call, whatever else it does. It keeps each asset's token and oracle adapter in
/// storage (two addresses: two slots), reads the price the way the vault does and the holder's
/// balance, and sums their product. `npm run bench` measures it with the vault's own basket and with
/// an empty one: the difference per asset is the cold-state floor of every valued call, next to which
/// the per-asset targets are set.
///
/// {valueWithPools} adds the least that pricing an entry or an exit against the market needs
/// (the value-leak defences): each asset's first pool, located by the fee and quote token kept in
/// the asset's slots (no further slot) and its address computed, then its price and in-range
/// liquidity. Its excess over {value}, per asset with a pool, is the floor of those defences.
contract ValuationFloor {
    /// @notice {Entry-quoteIndex} of an asset without a pool.
    uint8 public constant NO_POOL = type(uint8).max;

    struct Entry {
        IBallastOracle oracle;
        uint24 poolFee;
        uint8 quoteIndex;
        IERC20 token;
    }

    address private immutable _factory;
    Entry[] private _entries;

    /// @notice Emitted with the sum, so that the reads cannot be optimised away.
    event Valued(uint256 sum);

    /// @param quoteIndexes Each asset's first pool trades it against this entry ({NO_POOL}: none,
    /// as for the base asset), at `fees`, in `factory`.
    constructor(
        IBallastOracle[] memory oracles,
        IERC20[] memory tokens,
        address factory,
        uint24[] memory fees,
        uint8[] memory quoteIndexes
    ) {
        _factory = factory;
        for (uint256 i; i < oracles.length; ++i) _entries.push(Entry(oracles[i], fees[i], quoteIndexes[i], tokens[i]));
    }

    /// @notice Reads every asset's price and `holder`'s balance of it, once.
    function value(address holder) external returns (uint256 sum) {
        uint256 n = _entries.length;
        for (uint256 i; i < n; ++i) {
            Entry storage e = _entries[i];
            (, uint256 price) = BasketAdmin.tryPrice(e.oracle);
            sum += StaticWord.balanceOf(address(e.token), holder) * price;
        }
        emit Valued(sum);
    }

    /// @notice {value}, and each asset's first pool: its square-root price and in-range liquidity.
    function valueWithPools(address holder) external returns (uint256 sum) {
        uint256 n = _entries.length;
        for (uint256 i; i < n; ++i) {
            Entry storage e = _entries[i];
            (, uint256 price) = BasketAdmin.tryPrice(e.oracle);
            IERC20 token = e.token;
            sum += StaticWord.balanceOf(address(token), holder) * price;
            uint256 q = e.quoteIndex;
            if (q == NO_POOL) continue;
            address pool = PoolAddress.compute(_factory, address(token), address(_entries[q].token), e.poolFee);
            sum += uint256(StaticWord.sqrtPriceX96(pool)) + StaticWord.liquidity(pool);
        }
        emit Valued(sum);
    }
}
