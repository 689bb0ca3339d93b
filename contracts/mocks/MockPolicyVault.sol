// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastPolicy} from "../interfaces/IBallastPolicy.sol";

/// @title MockPolicyVault
/// @notice Test-only: a vault as the policy sees it, for the policy's unit tests: it lists its
/// oracles (base first), which the policy reads, and calls the policy as a rebalancer does.
contract MockPolicyVault {
    IBallastPolicy private immutable _policy;
    IBallastOracle[] private _oracles;

    constructor(IBallastPolicy policy_, IBallastOracle[] memory oracles_) {
        _policy = policy_;
        _oracles = oracles_;
    }

    /// @notice The oracles the policy reads, base first.
    function oracles() external view returns (IBallastOracle[] memory) {
        return _oracles;
    }

    /// @notice Lists other oracles (a basket change, as the policy sees it).
    function setOracles(IBallastOracle[] calldata oracles_) external {
        _oracles = oracles_;
    }

    /// @notice Has the policy observe this vault's oracles.
    function observe() external {
        _policy.observe();
    }

    /// @notice What the policy decided for this vault ({decide}).
    event Decided(IBallastPolicy.Decision decision);

    /// @notice Has the policy observe this vault's oracles and decide on a largest drift of
    /// `driftBps` ({IBallastPolicy-decide}); emits {Decided} with its answer.
    function decide(uint256 driftBps, uint256 basePriceWad, uint256 baseUnit) external {
        emit Decided(_policy.decide(driftBps, basePriceWad, baseUnit));
    }

    /// @notice Has the policy record a rebalance of this vault now.
    function recordRebalance() external {
        _policy.recordRebalance();
    }

    /// @notice Has the policy forget this vault's estimate.
    function resetObservations() external {
        _policy.resetObservations();
    }
}
