// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastPolicy} from "../interfaces/IBallastPolicy.sol";
import {IBallastRebalancer} from "../interfaces/IBallastRebalancer.sol";

/// @title RebalancerViewProbe
/// @notice Test-only: reads a rebalancer's and a policy's views inside a transaction, where
/// `block.basefee` is the block's (an `eth_call` on Hardhat runs at base fee 0, so the gas, the
/// reward and the leg floor price at 0).
contract RebalancerViewProbe {
    /// @notice What the views said, at the base fee of the block the probe ran in.
    event Probed(IBallastPolicy.Status status, uint256 cost, uint256 benefit, bool worthIt);

    /// @notice What {IBallastPolicy-minLegValue} said, at the base fee of the block the probe ran in.
    event LegFloor(uint256 minLegValue);

    function probe(IBallastRebalancer rebalancer) external {
        (IBallastPolicy.Status status, , ) = rebalancer.rebalanceStatus();
        (uint256 cost, uint256 benefit, bool worthIt) = rebalancer.rebalanceCost();
        emit Probed(status, cost, benefit, worthIt);
    }

    function probeLegFloor(IBallastPolicy policy, uint256 basePriceWad, uint256 baseUnit) external {
        emit LegFloor(policy.minLegValue(basePriceWad, baseUnit));
    }
}
