// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastRebalancer} from "../interfaces/IBallastRebalancer.sol";

/// @title VaultOracles
/// @notice The price sources a caller of the policy or the breakers lists: how both find the
/// oracles whose own histories they read (a rebalancer's `oracles()`, base first).
library VaultOracles {
    /// @notice The price sources of `vault` (none if it is not a contract that lists them).
    function listed(address vault) internal view returns (IBallastOracle[] memory sources) {
        if (vault.code.length == 0) return sources;
        try IBallastRebalancer(vault).oracles() returns (IBallastOracle[] memory found) {
            return found;
        } catch {
            return sources;
        }
    }
}
