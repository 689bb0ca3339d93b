// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PoolAddress
/// @notice The address of a Uniswap V3 pool, computed the way its factory deploys it (CREATE2 over
/// the sorted tokens and the fee, with the pools' init code hash): no call and no storage read,
/// where `IUniswapV3Factory.getPool` costs a cold account and a cold slot (~4,700 gas) a hop. Valid
/// for factories that deploy Uniswap's canonical pool code, as on Ethereum, Arbitrum, Base and their
/// testnets; the vault checks every pool of a route against its factory when it lists the route
/// (see {BasketAdmin-validateRoute}), so a factory that deploys other code is refused by name.
library PoolAddress {
    /// @notice keccak256 of UniswapV3Pool's creation code (@uniswap/v3-core 1.0.x).
    bytes32 internal constant POOL_INIT_CODE_HASH = 0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54;

    /// @notice The pool of `tokenA` and `tokenB` (either order) at `fee` that `factory` deploys,
    /// whether or not it exists yet.
    function compute(address factory, address tokenA, address tokenB, uint24 fee) internal pure returns (address pool) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        // keccak256(abi.encode(token0, token1, fee)) as the salt, then keccak256(abi.encodePacked(
        // 0xff, factory, salt, POOL_INIT_CODE_HASH)), both hashed in the free memory without
        // allocating it: this runs for every pool the vault reads or trades on.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(p, and(token0, mask))
            mstore(add(p, 0x20), and(token1, mask))
            mstore(add(p, 0x40), and(fee, 0xffffff))
            mstore(add(p, 0x20), keccak256(p, 0x60))
            mstore(p, and(factory, mask))
            mstore8(add(p, 11), 0xff)
            mstore(add(p, 0x40), POOL_INIT_CODE_HASH)
            pool := and(keccak256(add(p, 11), 85), mask)
        }
    }
}
