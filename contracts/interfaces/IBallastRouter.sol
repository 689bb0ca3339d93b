// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

import {IBallastErrors} from "./IBallastErrors.sol";
import {IBallastVault} from "./IBallastVault.sol";

/// @title IBallastRouter
/// @notice Slippage and deadline bounds for ERC-4626 vaults, which have neither (the ERC-4626
/// router pattern): each function makes one vault call for `msg.sender` and reverts unless the
/// vault's return value is within the caller's bound and the block is no later than `deadline`.
/// One router serves every vault on a chain (the vault is an argument).
///
/// The router holds nothing between calls. Entries pull the vault's asset from `msg.sender` (who
/// approves the router, or signs an EIP-2612 permit for {selfPermit}) and the vault mints to
/// `receiver`. Exits burn `msg.sender`'s shares, spending the share allowance `msg.sender` gave the
/// router, and the vault pays `receiver` directly. The router only ever spends `msg.sender`'s
/// tokens and allowances, so an allowance left to it cannot be used by anyone else.
///
/// Bounds are in the tokens' own smallest units (the vault's shares, its asset, each basket token).
/// A caller sets them from the vault's `preview*` functions less a tolerance: e.g. `minShares =
/// previewDeposit(assets) * (10_000 - 50) / 10_000` for 0.5%. Combine calls (a permit and a
/// deposit) atomically with {multicall}.
interface IBallastRouter is IBallastErrors {
    /// @notice Emitted by {depositMin} and {mintMax}: `sender` paid `assets` of the vault's asset
    /// and `receiver` got `shares`.
    event RoutedDeposit(
        IERC4626 indexed vault,
        address indexed sender,
        address indexed receiver,
        uint256 assets,
        uint256 shares
    );

    /// @notice Emitted by {withdrawMax} and {redeemMin}: `sender`'s `shares` were burnt and
    /// `receiver` got `assets` of the vault's asset.
    event RoutedWithdraw(
        IERC4626 indexed vault,
        address indexed sender,
        address indexed receiver,
        uint256 assets,
        uint256 shares
    );

    /// @notice Emitted by {redeemInKindMin} (`forfeited` 0) and {redeemInKindExceptMin}:
    /// `sender`'s `shares` were burnt and `receiver` got `amounts`, in {IBallastVault-basketTokens}
    /// order (0 for each forfeited token).
    event RoutedRedeemInKind(
        IBallastVault indexed vault,
        address indexed sender,
        address indexed receiver,
        uint256 shares,
        uint256 forfeited,
        uint256[] amounts
    );

    /// @notice Deposits `assets` of `vault`'s asset, pulled from `msg.sender`, for `receiver`.
    /// Reverts with {BallastRouterTooFewShares} if the vault mints fewer than `minShares`.
    /// @return shares The shares minted to `receiver`.
    function depositMin(
        IERC4626 vault,
        uint256 assets,
        address receiver,
        uint256 minShares,
        uint256 deadline
    ) external returns (uint256 shares);

    /// @notice Mints exactly `shares` of `vault` for `receiver`, paid by `msg.sender`. The router
    /// pulls the vault's `previewMint(shares)` (which ERC-4626 requires to be at least what `mint`
    /// takes) and returns what the mint did not use in the same call. Reverts with
    /// {BallastRouterTooManyAssets} if the mint costs more than `maxAssets`; `msg.sender` must allow
    /// the router the preview, not only `maxAssets`.
    /// @return assets The assets the mint cost.
    function mintMax(
        IERC4626 vault,
        uint256 shares,
        address receiver,
        uint256 maxAssets,
        uint256 deadline
    ) external returns (uint256 assets);

    /// @notice Withdraws exactly `assets` of `vault`'s asset to `receiver`, burning `msg.sender`'s
    /// shares. Reverts with {BallastRouterTooManyShares} if that burns more than `maxShares`.
    /// @return shares The shares burnt.
    function withdrawMax(
        IERC4626 vault,
        uint256 assets,
        address receiver,
        uint256 maxShares,
        uint256 deadline
    ) external returns (uint256 shares);

    /// @notice Redeems `shares` of `msg.sender` for `vault`'s asset, paid to `receiver`. Reverts
    /// with {BallastRouterTooFewAssets} if that pays less than `minAssets`.
    /// @return assets The assets paid.
    function redeemMin(
        IERC4626 vault,
        uint256 shares,
        address receiver,
        uint256 minAssets,
        uint256 deadline
    ) external returns (uint256 assets);

    /// @notice {IBallastVault-redeemInKind} of `msg.sender`'s `shares` to `receiver`, each amount
    /// bounded: `minAmounts` in {IBallastVault-basketTokens} order, of the same length (else
    /// {BallastRouterLengthMismatch}); reverts with {BallastRouterTooLittleOut} for the first token
    /// paid less than its minimum.
    /// @return amounts What the vault paid, in basket order.
    function redeemInKindMin(
        IBallastVault vault,
        uint256 shares,
        address receiver,
        uint256[] calldata minAmounts,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice As {redeemInKindMin}, through {IBallastVault-redeemInKindExcept}: the tokens whose
    /// bits are set in `forfeited` stay in the vault and are reported as 0, so their `minAmounts`
    /// must be 0.
    /// @return amounts What the vault paid, in basket order (0 for each forfeited token).
    function redeemInKindExceptMin(
        IBallastVault vault,
        uint256 shares,
        address receiver,
        uint256 forfeited,
        uint256[] calldata minAmounts,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice Submits `msg.sender`'s EIP-2612 permit giving the router an allowance of `value` of
    /// `token`; meant to be the first call of a {multicall}. Anyone may submit a signed permit
    /// first (a front-run, e.g. from the mempool): the call then succeeds as long as the router's
    /// allowance is at least `value`, and otherwise reverts with the token's error.
    function selfPermit(IERC20Permit token, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Runs each of `data` (an encoded call of this router) in order, as OpenZeppelin's
    /// Multicall, with `msg.sender` kept; any failing call reverts the whole batch with its error.
    /// @return results Each call's return data.
    function multicall(bytes[] calldata data) external returns (bytes[] memory results);
}
