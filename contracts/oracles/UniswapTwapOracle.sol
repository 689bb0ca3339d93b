// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";

/// @title UniswapTwapOracle
/// @notice {IBallastOracle} for an asset without a Chainlink feed: its time-weighted average price
/// in a Uniswap V3 pool against a quote token, times the quote token's own oracle price. A TWAP
/// over `window` seconds can only be moved by holding the pool away from the market for a sizeable
/// part of the window, at the cost of arbitrage against every block: choose the pool's deepest
/// tier and a window of at least 30 minutes. The spot price is never used.
contract UniswapTwapOracle is IBallastOracle, IBallastErrors {
    uint256 public constant MIN_WINDOW = 5 minutes;
    uint256 public constant MAX_WINDOW = 7 days;

    IUniswapV3Pool public immutable pool;
    /// @notice The token this oracle prices.
    address public immutable asset;
    /// @notice USD price source of the pool's other token.
    IBallastOracle public immutable quoteOracle;
    uint32 public immutable window;

    bool private immutable _assetIsToken0;
    uint256 private immutable _assetUnit;
    uint256 private immutable _quoteUnit;

    constructor(IUniswapV3Pool pool_, address asset_, IBallastOracle quoteOracle_, uint32 window_) {
        if (address(pool_) == address(0) || asset_ == address(0) || address(quoteOracle_) == address(0)) {
            revert BallastZeroAddress();
        }
        if (window_ < MIN_WINDOW || window_ > MAX_WINDOW) {
            revert BallastParameterOutOfRange(Parameter.TwapWindow, window_, MIN_WINDOW, MAX_WINDOW);
        }
        address token0 = pool_.token0();
        address token1 = pool_.token1();
        if (asset_ != token0 && asset_ != token1) revert BallastPoolToken(address(pool_), asset_);
        pool = pool_;
        asset = asset_;
        quoteOracle = quoteOracle_;
        window = window_;
        _assetIsToken0 = asset_ == token0;
        _assetUnit = 10 ** IERC20Metadata(asset_).decimals();
        _quoteUnit = 10 ** IERC20Metadata(asset_ == token0 ? token1 : token0).decimals();
    }

    /// @inheritdoc IBallastOracle
    /// @dev Reverts when the quote oracle does, or in the pool ("OLD") while its observations do not
    /// reach `window` seconds back.
    function price() public view returns (uint256) {
        uint256 quotePrice = quoteOracle.price();
        // Raw token1 per 1e18 raw token0 at the mean tick.
        uint256 ratio = UniswapTwap.ratioAtTick(UniswapTwap.meanTick(pool, window));
        // USD per whole asset = (quote raw per asset raw) * assetUnit / quoteUnit * quote USD price.
        uint256 quotePerAsset = _assetIsToken0 ? ratio : Math.mulDiv(1e18, 1e18, ratio);
        return Math.mulDiv(Math.mulDiv(quotePerAsset, _assetUnit, _quoteUnit), quotePrice, 1e18);
    }

    /// @inheritdoc IBallastOracle
    function tryPrice() external view returns (bool valid, uint256 priceWad) {
        try this.price() returns (uint256 p) {
            return (p != 0, p);
        } catch {
            return (false, 0);
        }
    }
}
