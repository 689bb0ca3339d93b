// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {IBallastRouter} from "../interfaces/IBallastRouter.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";

/// @title BallastRouter
/// @notice {IBallastRouter}: deadline and slippage bounds around ERC-4626 (and Ballast's in-kind)
/// entries and exits. Stateless, ownerless and not upgradeable.
/// @dev No reentrancy guard: the router has no storage for a reentrant call to corrupt, and holds
/// tokens only inside an entry, between pulling them and the vault taking them. Every call spends
/// only its own `msg.sender`'s tokens and allowances and settles from the vault's return values
/// (never from the router's balances), so a reentrant call, which only a token or vault the caller
/// chose could make, moves only the reentering account's funds. The vault's own guard covers it.
contract BallastRouter is IBallastRouter {
    using SafeERC20 for IERC20;

    /// @inheritdoc IBallastRouter
    function depositMin(
        IERC4626 vault,
        uint256 assets,
        address receiver,
        uint256 minShares,
        uint256 deadline
    ) external returns (uint256 shares) {
        _checkDeadline(deadline);
        IERC20 asset = IERC20(vault.asset());
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        shares = vault.deposit(assets, receiver);
        _clearAllowance(asset, vault);
        if (shares < minShares) revert BallastRouterTooFewShares(shares, minShares);
        emit RoutedDeposit(vault, msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc IBallastRouter
    function mintMax(
        IERC4626 vault,
        uint256 shares,
        address receiver,
        uint256 maxAssets,
        uint256 deadline
    ) external returns (uint256 assets) {
        _checkDeadline(deadline);
        IERC20 asset = IERC20(vault.asset());
        // The mint's cost is known only once it runs: pull the preview, which ERC-4626 bounds it
        // by, and return the rest below.
        uint256 pulled = vault.previewMint(shares);
        asset.safeTransferFrom(msg.sender, address(this), pulled);
        asset.forceApprove(address(vault), pulled);
        assets = vault.mint(shares, receiver);
        _clearAllowance(asset, vault);
        if (assets > maxAssets) revert BallastRouterTooManyAssets(assets, maxAssets);
        if (pulled > assets) asset.safeTransfer(msg.sender, pulled - assets);
        emit RoutedDeposit(vault, msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc IBallastRouter
    function withdrawMax(
        IERC4626 vault,
        uint256 assets,
        address receiver,
        uint256 maxShares,
        uint256 deadline
    ) external returns (uint256 shares) {
        _checkDeadline(deadline);
        shares = vault.withdraw(assets, receiver, msg.sender);
        if (shares > maxShares) revert BallastRouterTooManyShares(shares, maxShares);
        emit RoutedWithdraw(vault, msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc IBallastRouter
    function redeemMin(
        IERC4626 vault,
        uint256 shares,
        address receiver,
        uint256 minAssets,
        uint256 deadline
    ) external returns (uint256 assets) {
        _checkDeadline(deadline);
        assets = vault.redeem(shares, receiver, msg.sender);
        if (assets < minAssets) revert BallastRouterTooFewAssets(assets, minAssets);
        emit RoutedWithdraw(vault, msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc IBallastRouter
    function redeemInKindMin(
        IBallastVault vault,
        uint256 shares,
        address receiver,
        uint256[] calldata minAmounts,
        uint256 deadline
    ) external returns (uint256[] memory amounts) {
        address[] memory tokens = _checkInKind(vault, minAmounts, deadline);
        amounts = vault.redeemInKind(shares, receiver, msg.sender);
        _checkAmounts(tokens, amounts, minAmounts);
        emit RoutedRedeemInKind(vault, msg.sender, receiver, shares, 0, amounts);
    }

    /// @inheritdoc IBallastRouter
    function redeemInKindExceptMin(
        IBallastVault vault,
        uint256 shares,
        address receiver,
        uint256 forfeited,
        uint256[] calldata minAmounts,
        uint256 deadline
    ) external returns (uint256[] memory amounts) {
        address[] memory tokens = _checkInKind(vault, minAmounts, deadline);
        amounts = vault.redeemInKindExcept(shares, receiver, msg.sender, forfeited);
        _checkAmounts(tokens, amounts, minAmounts);
        emit RoutedRedeemInKind(vault, msg.sender, receiver, shares, forfeited, amounts);
    }

    /// @inheritdoc IBallastRouter
    function selfPermit(IERC20Permit token, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        _checkDeadline(deadline);
        // OpenZeppelin's advice for permits anyone can replay from the mempool: a failed permit is
        // fine when the allowance it would have set is in place (someone submitted it first).
        try token.permit(msg.sender, address(this), value, deadline, v, r, s) {
            return;
        } catch (bytes memory reason) {
            // Otherwise the token's own error says what was wrong with the permit.
            if (IERC20(address(token)).allowance(msg.sender, address(this)) < value) {
                Address.verifyCallResult(false, reason);
            }
        }
    }

    /// @inheritdoc IBallastRouter
    /// @dev OpenZeppelin's `Multicall` without its ERC-2771 suffix (the router trusts no
    /// forwarder), written out because an interface and `Multicall` cannot both declare the external
    /// `multicall` for one implementation to inherit.
    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i; i < data.length; ++i) {
            results[i] = Address.functionDelegateCall(address(this), data[i]);
        }
    }

    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert BallastRouterExpired(deadline, block.timestamp);
    }

    /// @dev A vault that took less than it was allowed must not keep a claim on the router's
    /// future balances.
    function _clearAllowance(IERC20 asset, IERC4626 vault) private {
        if (asset.allowance(address(this), address(vault)) != 0) asset.forceApprove(address(vault), 0);
    }

    /// @dev Checked before the exit, so that a malformed call costs no redemption.
    function _checkInKind(
        IBallastVault vault,
        uint256[] calldata minAmounts,
        uint256 deadline
    ) private view returns (address[] memory tokens) {
        _checkDeadline(deadline);
        tokens = vault.basketTokens();
        if (minAmounts.length != tokens.length) revert BallastRouterLengthMismatch(minAmounts.length, tokens.length);
    }

    function _checkAmounts(
        address[] memory tokens,
        uint256[] memory amounts,
        uint256[] calldata minAmounts
    ) private pure {
        for (uint256 i; i < tokens.length; ++i) {
            if (amounts[i] < minAmounts[i]) revert BallastRouterTooLittleOut(tokens[i], amounts[i], minAmounts[i]);
        }
    }
}
