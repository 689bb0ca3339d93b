// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastOracle
/// @notice The one thing the vault asks of a price source: the USD price of one whole token.
/// Chainlink is the first implementation ({ChainlinkOracle}); a Uniswap TWAP or any other source can
/// be added behind the same interface without touching the vault. A pool's spot price must never be
/// returned: it can be moved within one transaction. No answer may change within a transaction (a
/// pull oracle that a caller updates mid-transaction is not one): the vault values a rebalance's
/// trades at the prices it read earlier in the same transaction.
interface IBallastOracle {
    /// @notice The USD price of one whole unit of the asset, with 18 decimals (1e18 = $1).
    /// @dev Reverts with a custom error naming why when there is no valid price (stale, zero or
    /// negative answer, incomplete round, changed decimals, an L2 sequencer down or just restarted).
    function price() external view returns (uint256 priceWad);

    /// @notice As {price}, but reports an invalid price as `valid == false` instead of reverting,
    /// so that views which must not revert (ERC-4626 `max*`) can ask. The vault counts a price past
    /// 128 bits (over 3.4e20 USD a token) as invalid: no asset is worth that, and its record of last
    /// prices keeps two to a slot.
    function tryPrice() external view returns (bool valid, uint256 priceWad);

    /// @notice The largest move of the market, in bps of the price, that this source may not show
    /// yet: a Chainlink feed's deviation threshold (it reports a new answer once the market has moved
    /// that far from the last one). Whoever sees such a move coming before the source does can buy
    /// the basket at the old price; the vault prices every entry as if each asset were already that
    /// much higher (see {VaultLogic-valuation}), so that foresight of an update earns nothing.
    /// @dev Constant: the vault reads it once, when the source is set (listing or `setOracle`), and
    /// refuses one above 10,000.
    function deviationBps() external view returns (uint256);
}
