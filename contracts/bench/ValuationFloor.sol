// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {BasketAdmin} from "../libraries/BasketAdmin.sol";

/// @title ValuationFloor
/// @notice Benchmark baseline only: the least any vault that values a basket at oracle prices must
/// do per asset in a call, whatever else it does. It keeps each asset's token and oracle adapter in
/// storage (two addresses: two slots), reads the price the way the vault does and the holder's
/// balance, and sums their product. `npm run bench` measures it with the vault's own basket and with
/// an empty one: the difference per asset is the cold-state floor of every valued call, next to which
/// the per-asset targets are set.
contract ValuationFloor {
    struct Entry {
        IBallastOracle oracle;
        IERC20 token;
    }

    Entry[] private _entries;

    /// @notice Emitted with the sum, so that the reads cannot be optimised away.
    event Valued(uint256 sum);

    constructor(IBallastOracle[] memory oracles, IERC20[] memory tokens) {
        for (uint256 i; i < oracles.length; ++i) _entries.push(Entry(oracles[i], tokens[i]));
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
}
