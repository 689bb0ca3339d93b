// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";

/// @title MockBallastOracle
/// @notice Test-only: a price source whose answers are set directly, for oracles that no real
/// adapter would be (a deviation threshold beyond the vault's bound).
contract MockBallastOracle is IBallastOracle {
    uint256 private _price;
    uint256 private _deviationBps;

    constructor(uint256 priceWad, uint256 deviationBps_) {
        (_price, _deviationBps) = (priceWad, deviationBps_);
    }

    function price() external view returns (uint256) {
        return _price;
    }

    function tryPrice() external view returns (bool, uint256) {
        return (_price != 0, _price);
    }

    function deviationBps() external view returns (uint256) {
        return _deviationBps;
    }
}
