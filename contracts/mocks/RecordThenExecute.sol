// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";

/// @title RecordThenExecute
/// @notice Test-only: a vault's rebalancer that is also its admin, to run in one transaction what
/// no shipped contract does: record the prices, change an oracle, then execute (the vault must read
/// the new oracle, not trade at the prices recorded before the change).
contract RecordThenExecute {
    IBallastVault public immutable vault;

    constructor(IBallastVault vault_) {
        vault = vault_;
    }

    function run(IBallastVault.Leg[] calldata legs, address token, IBallastOracle oracle) external {
        vault.recordPrices();
        if (address(oracle) != address(0)) vault.setOracle(token, oracle);
        vault.executeRebalance(legs, msg.sender);
    }

    /// @notice How often the vault said its basket changed (what it tells its rebalancer).
    uint256 public basketChanges;

    function basketChanged() external {
        ++basketChanges;
    }
}
