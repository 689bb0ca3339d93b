// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeMath
/// @notice The management fee's dilution, independent of how often it accrues. A fee of `rateBps` a
/// year leaves the holders `(1 - rate)^(t / 365 days)` of the vault after `t` seconds, however `t`
/// is cut into accruals: each accrual of `elapsed` seconds mints `m` shares to the fee recipient
/// with `supply / (supply + m) = (1 - rate)^(elapsed / year)`, i.e. `m = supply * (g - 1)` with
/// `g = exp(x)`, `x = -ln(1 - rate) * elapsed / year`. The growth factors multiply, their exponents
/// add, so n accruals compose to one over the sum of their durations (a linear fraction
/// `rate * elapsed / year` per accrual does not: at 500 bps, weekly accruals charged 4.879% a year
/// instead of 5%).
/// @dev Fixed point with 18 decimals (WAD). Every step rounds down, so the shares are below the
/// exact value, in favour of the holders: by less than one share plus what 5 wei of -ln(1 - rate)
/// and 3 wei of x are worth, i.e. a relative 1.5e-10 for a 12-second gap at 500 bps, 5e-13 for an
/// hour, 2e-16 for a year. Forcing accruals more often only shortchanges the recipient by that
/// much each time (a year of hourly accruals at 500 bps ends 8.6e-15 of the supply short of 5%).
library FeeMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant YEAR = 365 days;
    /// @notice The highest rate the series below are sized for (the vault's own cap).
    uint256 internal constant MAX_RATE_BPS = 500;
    /// @notice The exponent's cap: ln 2 (0.693147180559945309417...) in WAD, rounded down. At the
    /// cap one accrual mints exactly `supply`: the holders keep one half, as the linear formula's cap
    /// at a fee fraction of one half did. At 500 bps it binds after ln 2 / -ln 0.95 = 13.51 years
    /// without an accrual (at 100 bps 68.97 years, at 1 bp 6931 years); a longer gap is charged as
    /// that long.
    uint256 internal constant LN2_WAD = 693_147_180_559_945_309;

    /// @notice `rateBps` is above {MAX_RATE_BPS}.
    error FeeMathRateTooHigh(uint256 rateBps, uint256 maxRateBps);
    /// @notice {expm1Wad} was given an exponent `xWad` at or above the cap {LN2_WAD}.
    error FeeMathExponentTooHigh(uint256 xWad, uint256 maxExclusive);

    /// @notice Shares to mint to the fee recipient for `elapsed` seconds at `rateBps` a year on
    /// `supply` shares, so that the holders keep `(1 - rateBps / 10_000)^(elapsed / 365 days)` of
    /// the vault: `supply * ((1 - rate)^(-elapsed / year) - 1)`, rounded down (in favour of the
    /// holders), and at most `supply` (the exponent is capped at {LN2_WAD}: see there). 0 when any
    /// argument is 0. Reverts with {FeeMathRateTooHigh} above {MAX_RATE_BPS}. Never overflows:
    /// any `supply` and `elapsed` are accepted.
    function feeShares(uint256 supply, uint256 rateBps, uint256 elapsed) public pure returns (uint256 shares) {
        // Checked before the early return too, so that a bad rate fails whatever the supply.
        if (rateBps > MAX_RATE_BPS) revert FeeMathRateTooHigh(rateBps, MAX_RATE_BPS);
        if (supply == 0 || rateBps == 0 || elapsed == 0) return 0;
        // x = -ln(1 - rate) * elapsed / year, in WAD, rounded down. -ln(1 - rate) is below 2^56 and
        // 2^64 seconds (5.8e11 years) is far past the cap at any rate from 1 bp, so clamping
        // `elapsed` there changes no result and keeps the product below 2^120.
        uint256 x = (decayRateWad(rateBps) * Math.min(elapsed, type(uint64).max)) / YEAR;
        if (x >= LN2_WAD) return supply;
        // expm1Wad(x) < 1e18, so the shares are below `supply` and fit whatever `supply` is.
        return Math.mulDiv(supply, expm1Wad(x), WAD);
    }

    /// @notice `-ln(1 - rateBps / 10_000)` in WAD, rounded down: the continuous rate at which a fee
    /// of `rateBps` a year dilutes (51293294387550532 for 500 bps, 1 wei below -ln 0.95). Reverts
    /// with {FeeMathRateTooHigh} above {MAX_RATE_BPS}.
    /// @dev With z = r / (2 - r), 1 - r = (1 - z) / (1 + z), so -ln(1 - r) = ln((1 + z) / (1 - z))
    /// = 2 (z + z^3/3 + z^5/5 + ...). At 5% z = 1/39 and z^2 < 1/1500: the terms up to z^9/9 are
    /// summed (by Horner's rule, with no loop), the first one left out, 2 z^11/11, is below 0.6 wei.
    /// Each floor costs under a wei of the result; measured, at most 5 wei short over 0..500 bps.
    function decayRateWad(uint256 rateBps) internal pure returns (uint256) {
        // The truncation of the series is sized for rates up to the cap.
        if (rateBps > MAX_RATE_BPS) revert FeeMathRateTooHigh(rateBps, MAX_RATE_BPS);
        // z < 2^55 and every factor below is at most WAD: products below 2^115. No overflow.
        unchecked {
            uint256 z = (rateBps * WAD) / (2 * BPS - rateBps);
            uint256 zSquared = (z * z) / WAD;
            // 1/3 + z^2 (1/5 + z^2 (1/7 + z^2 / 9)), in WAD.
            uint256 poly = WAD / 7 + (zSquared * (WAD / 9)) / WAD;
            poly = WAD / 5 + (zSquared * poly) / WAD;
            poly = WAD / 3 + (zSquared * poly) / WAD;
            return 2 * (z + (z * ((zSquared * poly) / WAD)) / WAD);
        }
    }

    /// @notice `e^x - 1` for `x` in WAD, `0 <= x < LN2_WAD` (else {FeeMathExponentTooHigh}),
    /// rounded down.
    /// @dev Taylor series x + x^2/2! + x^3/3! + ...: the term x^k/k! is computed from the one before,
    /// floored, and the series stops at the first term that floors to 0 (k = 18 just below ln 2,
    /// k = 4 for an hour at 500 bps, k = 3 for 12 seconds). Each floor costs under a wei, so the
    /// result is below e^x - 1 by less than 18 wei (measured: 8).
    function expm1Wad(uint256 x) internal pure returns (uint256) {
        if (x >= LN2_WAD) revert FeeMathExponentTooHigh(x, LN2_WAD);
        uint256 sum = x;
        // Terms are below x < 2^60: products below 2^120, k below 40. No overflow.
        unchecked {
            uint256 term = x;
            for (uint256 k = 2; term != 0; ++k) {
                term = (term * x) / (k * WAD);
                sum += term;
            }
        }
        return sum;
    }
}
