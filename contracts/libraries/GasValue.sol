// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastOracle} from "../interfaces/IBallastOracle.sol";

/// @title GasValue
/// @notice What gas is worth in the base asset: gas units at the block's base fee, priced through
/// the gas token's oracle. The policy's cost gate charges it (rounded up, a cost) and the
/// rebalancer's keeper reward pays it (rounded down, a payment).
library GasValue {
    /// @notice `gasUnits` at the block's base fee in base units: wei times the gas token's USD price
    /// (WAD per 1e18 wei) over the base's (`basePriceWad` per `baseUnit`). `ok` false (and 0) while
    /// the gas token cannot be priced ({tryPrice}).
    function inBase(
        uint256 gasUnits,
        IBallastOracle gasToken,
        uint256 basePriceWad,
        uint256 baseUnit,
        Math.Rounding rounding
    ) internal view returns (bool ok, uint256 value) {
        uint256 gasTokenPrice;
        (ok, gasTokenPrice) = tryPrice(gasToken);
        if (ok) value = Math.mulDiv(gasUnits * block.basefee, gasTokenPrice * baseUnit, 1e18 * basePriceWad, rounding);
    }

    /// @notice The gas token's price (WAD), `ok` false when its oracle says invalid, reverts, or
    /// answers garbage: 0, or a price no product here could carry (above 2^128 WAD, 3.4e20 USD).
    function tryPrice(IBallastOracle oracle) internal view returns (bool ok, uint256 price) {
        try oracle.tryPrice() returns (bool valid, uint256 p) {
            return (valid && p != 0 && p <= type(uint128).max, p);
        } catch {
            return (false, 0);
        }
    }
}
