// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PlainERC4626
/// @notice Benchmark baseline only: OpenZeppelin's ERC4626 over one asset with the same decimals
/// offset as Ballast, so that `npm run bench` can price what the basket, oracles and guards add.
contract PlainERC4626 is ERC4626 {
    uint8 private immutable _offset;

    constructor(IERC20 asset_, uint8 offset) ERC20("Plain", "PLAIN") ERC4626(asset_) {
        _offset = offset;
    }

    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }
}
