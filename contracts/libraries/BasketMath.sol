// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title BasketMath
/// @notice Pure conversions between token amounts and base-asset value at oracle prices. Prices are
/// USD WAD per whole token; a token's `unit` is `10 ** decimals`. Every function takes its rounding
/// direction explicitly, so each caller states which way favours the vault.
library BasketMath {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;

    /// @notice Value in base-asset units of `amount` of a token:
    /// `amount * price * baseUnit / (unit * basePrice)`. The same conversion serves between any two
    /// tokens (the base's price and unit standing for the other's): an amount of a token worth a
    /// base value is that value converted the other way.
    function toValue(
        uint256 amount,
        uint256 priceWad,
        uint256 unit,
        uint256 basePriceWad,
        uint256 baseUnit,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return amount.mulDiv(priceWad * baseUnit, unit * basePriceWad, rounding);
    }

    /// @notice `x * bps / 10_000`.
    function bps(uint256 x, uint256 bps_, Math.Rounding rounding) internal pure returns (uint256) {
        return x.mulDiv(bps_, BPS, rounding);
    }

    /// @notice `x` less `bps_` basis points, rounded down: the least a swap worth `x` may return.
    function lessBpsDown(uint256 x, uint256 bps_) internal pure returns (uint256) {
        return x.mulDiv(BPS - bps_, BPS, Math.Rounding.Floor);
    }

    /// @notice The smallest `y` with `lessBpsDown(y, bps_) >= x`, rounded up: what must be sold at
    /// worst-case slippage to receive `x`.
    function grossUpBps(uint256 x, uint256 bps_) internal pure returns (uint256) {
        return x.mulDiv(BPS, BPS - bps_, Math.Rounding.Ceil);
    }

    /// @notice Weight of `value` in `total`, in basis points, rounded down (0 when `total` is 0).
    function weightBps(uint256 value, uint256 total) internal pure returns (uint256) {
        return total == 0 ? 0 : value.mulDiv(BPS, total, Math.Rounding.Floor);
    }

    /// @notice |a - b|.
    function absDiff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }
}
