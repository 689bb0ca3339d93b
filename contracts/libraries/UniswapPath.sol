// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title UniswapPath
/// @notice Reads Uniswap V3 swap paths: `token0 (20 bytes) | fee (3 bytes) | token1 (20 bytes) | ...`.
library UniswapPath {
    uint256 private constant ADDRESS_SIZE = 20;
    uint256 private constant FEE_SIZE = 3;
    uint256 private constant HOP_SIZE = ADDRESS_SIZE + FEE_SIZE;

    /// @notice Whether `path` has the shape of a path of at least one hop.
    function isWellFormed(bytes memory path) internal pure returns (bool) {
        return path.length >= ADDRESS_SIZE + HOP_SIZE && (path.length - ADDRESS_SIZE) % HOP_SIZE == 0;
    }

    /// @notice Number of pools the path crosses (assumes {isWellFormed}).
    function hops(bytes memory path) internal pure returns (uint256) {
        return (path.length - ADDRESS_SIZE) / HOP_SIZE;
    }

    /// @notice The `i`-th token of the path (0 = first); assumes `i <= hops(path)`.
    function tokenAt(bytes memory path, uint256 i) internal pure returns (address token) {
        uint256 offset = i * HOP_SIZE;
        // The caller guarantees offset + 20 <= path.length; the word read starts inside `path`.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            token := shr(96, mload(add(add(path, 32), offset)))
        }
    }

    /// @notice The fee tier of the `i`-th hop (0 = first); assumes `i < hops(path)`.
    function feeAt(bytes memory path, uint256 i) internal pure returns (uint24 fee) {
        uint256 offset = i * HOP_SIZE + ADDRESS_SIZE;
        // As in tokenAt: offset + 3 <= path.length.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            fee := shr(232, mload(add(add(path, 32), offset)))
        }
    }

    /// @notice The `i`-th hop as one word: the hash of its bytes (token in, fee, token out), which name
    /// a pool and the way it is crossed; assumes `i < hops(path)`.
    function hopKey(bytes memory path, uint256 i) internal pure returns (bytes32 key) {
        (uint256 offset, uint256 size) = (i * HOP_SIZE, ADDRESS_SIZE + HOP_SIZE);
        // As in tokenAt: offset + 43 <= path.length.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            key := keccak256(add(add(path, 32), offset), size)
        }
    }

    /// @notice The path that follows `a` up to its `i`-th token, then `b` from its `j`-th token on;
    /// assumes the two are the same token, `i <= hops(a)` and `j <= hops(b)`.
    function join(bytes memory a, uint256 i, bytes memory b, uint256 j) internal pure returns (bytes memory out) {
        uint256 head = i * HOP_SIZE;
        uint256 from = j * HOP_SIZE;
        uint256 tail = b.length - from;
        out = new bytes(head + tail);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let at := add(out, 32)
            mcopy(at, add(a, 32), head)
            mcopy(add(at, head), add(add(b, 32), from), tail)
        }
    }

    /// @notice The last token of the path (assumes {isWellFormed}).
    function lastToken(bytes memory path) internal pure returns (address) {
        return tokenAt(path, hops(path));
    }
}
