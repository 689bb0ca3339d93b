// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {PoolPrice} from "../libraries/PoolPrice.sol";
import {TickMath} from "../libraries/TickMath.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";

/// @title UniswapTwapOracle
/// @notice {IBallastOracle} for an asset without a Chainlink feed: its time-weighted average price
/// in a Uniswap V3 pool against a quote token, times the quote token's own oracle price. A TWAP
/// over `window` seconds can only be moved by holding the pool away from the market for a sizeable
/// part of the window, at the cost of arbitrage against every block: choose the pool's deepest
/// tier and a window of at least 30 minutes. The spot price is never used.
/// @dev The mean tick's price is applied to a large fixed amount of the asset ({QUOTED_AMOUNT} raw
/// units, at least one whole asset times 1e18) at full precision (`PoolPrice.quote`), so the price
/// keeps about 18 significant digits however cheap the asset is against the quote token; no
/// intermediate is a WAD ratio of raw units, which would keep only a handful of digits for an
/// 18-decimal asset worth a fraction of a cent against a 6-decimal quote.
contract UniswapTwapOracle is IBallastOracle, IBallastErrors {
    uint256 public constant MIN_WINDOW = 5 minutes;
    uint256 public constant MAX_WINDOW = 7 days;
    /// @notice Most decimals the asset or the quote token may have (as the vault's basket).
    uint256 public constant MAX_DECIMALS = 18;
    /// @notice Raw units of the asset quoted at the mean tick: 1e36 = one whole asset times
    /// 10^(36 - decimals) >= 1e18. Below 2^120 (~1.33e36), well within `PoolPrice.quote`'s exact
    /// range (below 2^128), and the quote, below 2^128 raw per raw unit even at the maximum tick,
    /// stays below 2^248: nothing overflows.
    uint256 public constant QUOTED_AMOUNT = 1e36;
    /// @notice Bound of {windowDeviationBps}: 10% bounds a typo.
    uint256 public constant MAX_DEVIATION_BPS = 1_000;

    IUniswapV3Pool public immutable pool;
    /// @notice The token this oracle prices.
    address public immutable asset;
    /// @notice USD price source of the pool's other token.
    IBallastOracle public immutable quoteOracle;
    uint32 public immutable window;
    /// @notice The largest move, in bps, of the market that the mean price may not show yet: what
    /// the market can move within `window` (a TWAP follows it at about half the move over the window).
    /// {deviationBps} adds the quote oracle's own.
    uint256 public immutable windowDeviationBps;

    bool private immutable _assetIsToken0;
    /// @dev `10^quoteDecimals * QUOTED_AMOUNT / 10^assetDecimals`: dividing the quote (raw quote
    /// units for QUOTED_AMOUNT raw asset) by it gives whole quote tokens per whole asset. At most
    /// 1e18 * 1e36, so it fits; exact, as 10^assetDecimals divides 1e36.
    uint256 private immutable _quoteDivisor;

    constructor(
        IUniswapV3Pool pool_,
        address asset_,
        IBallastOracle quoteOracle_,
        uint32 window_,
        uint256 windowDeviationBps_
    ) {
        if (address(pool_) == address(0) || asset_ == address(0) || address(quoteOracle_) == address(0)) {
            revert BallastZeroAddress();
        }
        if (window_ < MIN_WINDOW || window_ > MAX_WINDOW) {
            revert BallastParameterOutOfRange(Parameter.TwapWindow, window_, MIN_WINDOW, MAX_WINDOW);
        }
        if (windowDeviationBps_ == 0 || windowDeviationBps_ > MAX_DEVIATION_BPS) {
            revert BallastParameterOutOfRange(Parameter.DeviationBps, windowDeviationBps_, 1, MAX_DEVIATION_BPS);
        }
        address token0 = pool_.token0();
        address token1 = pool_.token1();
        if (asset_ != token0 && asset_ != token1) revert BallastPoolToken(address(pool_), asset_);
        address quoteToken = asset_ == token0 ? token1 : token0;
        uint256 assetDecimals = IERC20Metadata(asset_).decimals();
        uint256 quoteDecimals = IERC20Metadata(quoteToken).decimals();
        if (assetDecimals > MAX_DECIMALS) revert BallastUnsupportedDecimals(asset_, assetDecimals);
        if (quoteDecimals > MAX_DECIMALS) revert BallastUnsupportedDecimals(quoteToken, quoteDecimals);
        pool = pool_;
        asset = asset_;
        quoteOracle = quoteOracle_;
        window = window_;
        windowDeviationBps = windowDeviationBps_;
        _assetIsToken0 = asset_ == token0;
        _quoteDivisor = (10 ** quoteDecimals) * (QUOTED_AMOUNT / 10 ** assetDecimals);
    }

    /// @inheritdoc IBallastOracle
    /// @dev Reverts when the quote oracle does, or in the pool ("OLD") while its observations do not
    /// reach `window` seconds back. Rounded down, twice: the result is below the mean tick's exact
    /// price (times the quote's price) by less than `1 + quotePrice / 1e18` wei, i.e. (1 + the
    /// quote token's price in dollars) wei: 2 wei against a $1 quote, a relative 2e-10 for an asset
    /// worth $1e-8. Rounding down values the vault's holding of the asset at the lower end of that
    /// band, never above what the pool says. A price below 1 wei ($1e-18) per whole asset is
    /// 0, which {tryPrice} reports as invalid.
    function price() public view returns (uint256) {
        uint256 quotePrice = quoteOracle.price();
        uint160 sqrtPriceX96 = TickMath.sqrtRatioAtTick(UniswapTwap.meanTick(pool, window));
        // Raw quote units for QUOTED_AMOUNT raw asset units at the mean tick, rounded down: at least
        // 1e18 times what one whole asset fetches, so the floor costs at most 1e-18 of a raw quote
        // unit per whole asset.
        uint256 quoted = PoolPrice.quote(sqrtPriceX96, QUOTED_AMOUNT, _assetIsToken0);
        // USD WAD per whole asset = quote USD WAD per whole quote token * whole quote tokens per whole
        // asset (`quoted / _quoteDivisor`), rounded down: the one multiplication and division are
        // done in 512 bits, so nothing is rounded in between.
        return Math.mulDiv(quoted, quotePrice, _quoteDivisor);
    }

    /// @inheritdoc IBallastOracle
    function tryPrice() external view returns (bool valid, uint256 priceWad) {
        try this.price() returns (uint256 p) {
            return (p != 0, p);
        } catch {
            return (false, 0);
        }
    }

    /// @inheritdoc IBallastOracle
    /// @dev The price is the mean tick's times the quote token's oracle price: either may lag.
    function deviationBps() external view returns (uint256) {
        return windowDeviationBps + quoteOracle.deviationBps();
    }
}
