// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title MockFeeOnTransferERC20
/// @notice Test-only token that burns `feeBps` of every transfer, as fee-on-transfer tokens (STA,
/// PAXG, many "tax" tokens) do, except to or from exempt accounts (such tokens usually exempt their
/// liquidity providers). Mints and burns are free.
contract MockFeeOnTransferERC20 is MockERC20 {
    uint256 public immutable feeBps;
    mapping(address account => bool) public feeExempt;

    event FeeExemptionSet(address indexed account, bool exempt);

    error MockFeeOnTransferInvalidFee(uint256 feeBps);
    error MockFeeOnTransferExemptionUnchanged(address account, bool exempt);

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        uint256 feeBps_
    ) MockERC20(name_, symbol_, decimals_) {
        if (feeBps_ == 0 || feeBps_ >= 10_000) revert MockFeeOnTransferInvalidFee(feeBps_);
        feeBps = feeBps_;
    }

    /// @notice Exempts `account` from (or subjects it to) the transfer fee, in both directions.
    function setFeeExempt(address account, bool exempt) external onlyOwner {
        if (feeExempt[account] == exempt) revert MockFeeOnTransferExemptionUnchanged(account, exempt);
        feeExempt[account] = exempt;
        emit FeeExemptionSet(account, exempt);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeExempt[from] || feeExempt[to]) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
