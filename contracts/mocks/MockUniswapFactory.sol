// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockUniswapFactory
/// @notice Test-only: a Uniswap V3 factory's `getPool` answered from a table, as a fork whose pools
/// carry other code than Uniswap's would answer (its pools are not where the canonical init code
/// puts them). Pools are set for both token orders.
contract MockUniswapFactory {
    mapping(address tokenA => mapping(address tokenB => mapping(uint24 fee => address))) public getPool;

    function setPool(address tokenA, address tokenB, uint24 fee, address pool) external {
        getPool[tokenA][tokenB][fee] = pool;
        getPool[tokenB][tokenA][fee] = pool;
    }
}
