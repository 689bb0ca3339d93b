// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IPeripheryImmutableState} from "@uniswap/v3-periphery/contracts/interfaces/IPeripheryImmutableState.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketAdmin} from "./libraries/BasketAdmin.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {UniswapPath} from "./libraries/UniswapPath.sol";

/// @title BallastVault
/// @notice See {IBallastVault}. Custody, accounting and execution only: prices come from
/// {IBallastOracle} sources, and trades go through Uniswap V3's SwapRouter.
contract BallastVault is ERC4626, AccessControl, Pausable, ReentrancyGuardTransient, IBallastVault {
    using BasketMath for uint256;
    using Math for uint256;
    using SafeERC20 for IERC20;
    using UniswapPath for bytes;

    /// @notice Largest basket, base asset included.
    uint256 public constant MAX_ASSETS = 16;

    /// @inheritdoc IBallastVault
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    // Hard-coded safe ranges of the execution bounds.
    uint256 internal constant MAX_SLIPPAGE_BPS = 500;
    uint256 internal constant MIN_MAX_TRADE_BPS = 100;
    uint256 internal constant MAX_LOSS_BPS = 500;

    /// @dev Balances, prices and values of the basket at one instant. Prices are read once per
    /// call; values are rounded down, so `nav` never exceeds the true value and `navCeil` (which
    /// adds one unit per rounded value) never falls below it.
    struct Valuation {
        uint256[] balances;
        uint256[] prices;
        uint256[] values;
        uint256[] targets;
        uint256 nav;
        uint256 navCeil;
        bool valid;
    }

    ISwapRouter private immutable _router;
    uint256 private immutable _baseUnit;
    uint8 private immutable _offset;
    /// @dev `10 ** _offset`: the virtual shares of OpenZeppelin's inflation defence.
    uint256 private immutable _virtualShares;

    BasketAdmin.Basket private _basket;
    RebalanceParams private _params;
    IBallastPolicy private _policy;
    /// @dev Last valid oracle price of each asset, recorded by {poke} and {rebalance}.
    uint256[] private _lastPrices;

    constructor(
        string memory name_,
        string memory symbol_,
        ISwapRouter router_,
        AssetConfig[] memory basket,
        RebalanceParams memory params,
        IBallastPolicy policy_,
        address admin,
        address guardian
    ) ERC20(name_, symbol_) ERC4626(IERC20(_baseToken(basket))) {
        if (address(router_) == address(0) || admin == address(0) || guardian == address(0)) {
            revert BallastZeroAddress();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _setPolicy(policy_);
        _router = router_;
        uint8 baseDecimals = _validDecimals(basket[0].token);
        _baseUnit = 10 ** baseDecimals;
        _offset = 18 - baseDecimals;
        _virtualShares = 10 ** (18 - baseDecimals);
        IUniswapV3Factory factory = IUniswapV3Factory(IPeripheryImmutableState(address(router_)).factory());

        uint256 weightSum;
        for (uint256 i; i < basket.length; ++i) {
            AssetConfig memory config = basket[i];
            if (config.token == address(0) || address(config.oracle) == address(0)) revert BallastZeroAddress();
            for (uint256 j; j < i; ++j) {
                if (basket[j].token == config.token) revert BallastDuplicateToken(config.token);
            }
            _checkRoutes(factory, config, basket[0].token, i == 0);
            weightSum += config.targetWeightBps;
            _listAsset(i, config);
        }
        if (weightSum != BasketMath.BPS) revert BallastWeightsSum(weightSum);
        _basket.poolRefs.push(BasketAdmin.PoolRef(address(0), 0));
        for (uint256 i = 1; i < basket.length; ++i)
            _basket.poolRefs.push(BasketAdmin.poolRef(_basket, factory, i, basket[i].sellRoute));
        _setParams(params);
        Valuation memory v = _valuation(false);
        _recordPrices(v.prices, v.valid);
    }

    // --- Basket views --------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function basketTokens() external view returns (address[] memory tokens) {
        uint256 n = _basket.assets.length;
        tokens = new address[](n);
        for (uint256 i; i < n; ++i) tokens[i] = _basket.assets[i].token;
    }

    /// @inheritdoc IBallastVault
    function targetWeights() external view returns (uint256[] memory) {
        return BasketAdmin.targetWeights(_basket);
    }

    /// @inheritdoc IBallastVault
    function oracles() external view returns (IBallastOracle[] memory sources) {
        uint256 n = _basket.assets.length;
        sources = new IBallastOracle[](n);
        for (uint256 i; i < n; ++i) sources[i] = _basket.assets[i].oracle;
    }

    /// @inheritdoc IBallastVault
    function routes(address token) external view returns (bytes memory sellRoute, bytes memory buyRoute) {
        uint256 n = _basket.assets.length;
        for (uint256 i; i < n; ++i) {
            if (_basket.assets[i].token == token) return (_basket.sellRoutes[i], _basket.buyRoutes[i]);
        }
    }

    /// @inheritdoc IBallastVault
    function rebalanceParams() external view returns (RebalanceParams memory) {
        return _params;
    }

    /// @inheritdoc IBallastVault
    function swapRouter() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IBallastVault
    function currentWeights() external view returns (uint256[] memory weights) {
        Valuation memory v = _valuation(true);
        uint256 n = v.values.length;
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) weights[i] = v.values[i].weightBps(v.nav);
    }

    /// @inheritdoc IBallastVault
    function maxDrift() external view returns (uint256) {
        return _maxDrift(_valuation(true));
    }

    /// @inheritdoc IBallastVault
    function policy() external view returns (IBallastPolicy) {
        return _policy;
    }

    /// @inheritdoc IBallastVault
    function rebalanceStatus()
        public
        view
        returns (IBallastPolicy.Status status, uint256 driftBps, uint256 targetBandBps)
    {
        Valuation memory v = _valuation(false);
        if (!v.valid) return (IBallastPolicy.Status.PriceUnavailable, 0, 0);
        driftBps = _maxDrift(v);
        if (paused()) return (IBallastPolicy.Status.Paused, driftBps, 0);
        (status, targetBandBps) = _policy.evaluate(address(this), driftBps);
        targetBandBps = _usableBand(targetBandBps);
    }

    /// @inheritdoc IBallastVault
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        (IBallastPolicy.Status status, , ) = rebalanceStatus();
        upkeepNeeded = status == IBallastPolicy.Status.Due || status == IBallastPolicy.Status.DueByCalendar;
        performData = "";
    }

    /// @inheritdoc IBallastVault
    function performUpkeep(bytes calldata) external {
        rebalance();
    }

    /// @inheritdoc IBallastVault
    function poke() external nonReentrant {
        // One read of every oracle: a failing one keeps its last price (see {_valuation}).
        Valuation memory v = _valuation(false);
        _recordPrices(v.prices, v.valid);
        // Breakers judge valid prices only; a failing oracle already halts trading by itself.
        if (v.valid) _policy.checkBreakers(v.prices, _poolChecks(v));
    }

    /// @inheritdoc IBallastVault
    function lastPrices() external view returns (uint256[] memory) {
        return _lastPrices;
    }

    // --- Governance ----------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, _msgSender()) && !hasRole(DEFAULT_ADMIN_ROLE, _msgSender())) {
            revert AccessControlUnauthorizedAccount(_msgSender(), GUARDIAN_ROLE);
        }
        _pause();
    }

    /// @inheritdoc IBallastVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IBallastVault
    function setRebalanceParams(RebalanceParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(_params))) revert BallastParameterUnchanged();
        _setParams(params);
    }

    /// @inheritdoc IBallastVault
    function setTargetWeights(
        uint16[] calldata weights,
        uint64 start,
        uint64 end
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BasketAdmin.setTargetWeights(_basket, weights, start, end);
    }

    /// @inheritdoc IBallastVault
    function setOracle(address token, IBallastOracle oracle) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 i = BasketAdmin.indexOf(_basket, token);
        if (address(oracle) == address(0)) revert BallastZeroAddress();
        IBallastOracle old = _basket.assets[i].oracle;
        if (oracle == old) revert BallastParameterUnchanged();
        // Never switch to a source that cannot price the asset now.
        (bool ok, ) = _tryPrice(oracle);
        if (!ok) revert BallastPriceUnavailable(token);
        _basket.assets[i].oracle = oracle;
        emit OracleSet(token, old, oracle);
    }

    /// @inheritdoc IBallastVault
    function setRoutes(
        address token,
        bytes calldata sellRoute,
        bytes calldata buyRoute
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BasketAdmin.setRoutes(_basket, _factory(), token, sellRoute, buyRoute);
    }

    function _factory() private view returns (IUniswapV3Factory) {
        return IUniswapV3Factory(IPeripheryImmutableState(address(_router)).factory());
    }

    /// @inheritdoc IBallastVault
    function setPolicy(IBallastPolicy newPolicy) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newPolicy == _policy) revert BallastParameterUnchanged();
        _setPolicy(newPolicy);
    }

    // --- ERC-4626 accounting -------------------------------------------------------------------
    //
    // Conversions use the oracle NAV rounded against the caller: NAV rounded up where it divides
    // (assets -> shares on entry) or multiplies a payment in (mint), rounded down where it
    // multiplies a payment out (exits). Views that must not revert value an asset without a valid
    // price at zero; every state-changing path and the previews require all prices to be valid.

    /// @inheritdoc ERC4626
    /// @dev The oracle value of every balance in base-asset units, rounded down. An asset whose
    /// price is invalid counts as zero here (a lower bound); entries and exits are refused then.
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return _valuation(false).nav;
    }

    /// @inheritdoc ERC4626
    function convertToShares(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return _toShares(assets, _valuation(false).navCeil, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function convertToAssets(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _toAssets(shares, _valuation(false).nav, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    /// @dev Zero while any price is invalid: never mint at a wrong price.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return !paused() && _valuation(false).valid ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return !paused() && _valuation(false).valid ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev Net of the worst-case cost of the swaps the exit needs beyond the base balance.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        Valuation memory v = _valuation(false);
        return v.valid ? _maxWithdraw(owner, v) : 0;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        return _valuation(false).valid ? balanceOf(owner) : 0;
    }

    /// @inheritdoc ERC4626
    function previewDeposit(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return _toShares(assets, _valuation(true).navCeil, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function previewMint(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _toAssets(shares, _valuation(true).navCeil, Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    /// @dev Exactly the shares {withdraw} burns: beyond the base balance they cover the assets
    /// grossed up by the worst-case swap cost, which the exiting holder bears.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        Valuation memory v = _valuation(true);
        return _toShares(_exitValueForAssets(assets, v), v.nav, Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    /// @dev The least {redeem} delivers: beyond the base balance, the sum of the oracle-derived
    /// minimum outputs of the swaps it makes.
    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        Valuation memory v = _valuation(true);
        uint256 value = _toAssets(shares, v.nav, Math.Rounding.Floor);
        uint256 base = v.balances[0];
        if (value <= base) return value;
        (, , uint256 minProceeds) = _exitSlices(value - base, v);
        return base + minProceeds;
    }

    /// @inheritdoc ERC4626
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        shares = _toShares(assets, _valuation(true).navCeil, Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 assets) {
        assets = _toAssets(shares, _valuation(true).navCeil, Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        Valuation memory v = _valuation(true);
        uint256 maxAssets = _maxWithdraw(owner, v);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        uint256 value = _exitValueForAssets(assets, v);
        shares = _toShares(value, v.nav, Math.Rounding.Ceil);
        _exit(receiver, owner, shares, value, assets, v);
    }

    /// @inheritdoc ERC4626
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        Valuation memory v = _valuation(true);
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _exit(receiver, owner, shares, _toAssets(shares, v.nav, Math.Rounding.Floor), 0, v);
    }

    // --- In-kind exit --------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function previewRedeemInKind(uint256 shares) public view returns (uint256[] memory amounts) {
        uint256 n = _basket.assets.length;
        amounts = new uint256[](n);
        // The virtual shares of the decimals offset keep their pro-rata claim, as in ERC4626's
        // conversions: a final exit leaves only that dust behind.
        uint256 supply = totalSupply() + _virtualShares;
        for (uint256 i; i < n; ++i) {
            amounts[i] = shares.mulDiv(
                IERC20(_basket.assets[i].token).balanceOf(address(this)),
                supply,
                Math.Rounding.Floor
            );
        }
    }

    /// @inheritdoc IBallastVault
    function redeemInKind(
        uint256 shares,
        address receiver,
        address owner
    ) external nonReentrant returns (uint256[] memory amounts) {
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        amounts = previewRedeemInKind(shares);
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        uint256 n = amounts.length;
        for (uint256 i; i < n; ++i) {
            if (amounts[i] != 0) IERC20(_basket.assets[i].token).safeTransfer(receiver, amounts[i]);
        }
        emit RedeemedInKind(caller, receiver, owner, shares, amounts);
    }

    // --- Rebalance -----------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function rebalance() public nonReentrant whenNotPaused returns (uint256 trades) {
        Valuation memory v = _valuation(true);
        uint256 driftBefore = _maxDrift(v);
        (IBallastPolicy.Status status, uint256 band) = _policy.evaluate(address(this), driftBefore);
        if (status != IBallastPolicy.Status.Due && status != IBallastPolicy.Status.DueByCalendar) {
            revert BallastRebalanceNotDue(uint8(status), driftBefore);
        }
        band = _usableBand(band);

        _recordPrices(v.prices, true);
        // A breaker that trips now must stay recorded: return without trading rather than revert.
        if (_policy.checkBreakers(v.prices, _poolChecks(v))) return 0;
        RebalanceParams memory p = _params;
        // Sell what is overweight into the base asset first, so that buys can be funded (two
        // statements: Solidity does not specify the evaluation order of `a() + b()`).
        trades = _sellOverweight(v, p, band);
        trades += _buyUnderweight(v, p, band);

        // Value the new balances at the same prices: the difference is what the trades cost.
        Valuation memory a = _valuationAt(v.prices);
        if (a.nav < v.nav.lessBpsDown(p.maxLossBps)) revert BallastRebalanceLoss(v.nav, a.nav, p.maxLossBps);
        _policy.recordRebalance();
        emit Rebalanced(_msgSender(), v.nav, a.nav, driftBefore, _maxDrift(a), trades);
    }

    /// @dev Sells each asset's excess over target + band (at most `maxTradeBps` of NAV, skipping dust)
    /// into the base.
    function _sellOverweight(
        Valuation memory v,
        RebalanceParams memory p,
        uint256 band
    ) private returns (uint256 trades) {
        uint256 n = v.values.length;
        uint256 cap = v.nav.bps(p.maxTradeBps, Math.Rounding.Floor);
        for (uint256 i = 1; i < n; ++i) {
            uint256 target = v.nav.bps(v.targets[i] + band, Math.Rounding.Floor);
            if (v.values[i] <= target) continue;
            uint256 value = Math.min(v.values[i] - target, cap);
            if (value < p.minTradeValue) continue;
            _sellValue(i, value, v, p.slippageBps);
            ++trades;
        }
    }

    /// @dev Sells asset `i` worth `value` (amount rounded down, so never more than the excess), asking
    /// at least its oracle value less the slippage bound.
    function _sellValue(uint256 i, uint256 value, Valuation memory v, uint256 slippageBps) private {
        uint256 amountIn = _toAmount(i, value, v, Math.Rounding.Floor);
        _swap(i, true, amountIn, _minValueOut(i, amountIn, v, slippageBps));
    }

    /// @dev Buys each asset's shortfall under target - band (at most `maxTradeBps` of NAV, skipping
    /// dust) with the base asset held above the base's own target; short of it, every buy is scaled
    /// down alike (rounded down).
    function _buyUnderweight(
        Valuation memory v,
        RebalanceParams memory p,
        uint256 band
    ) private returns (uint256 trades) {
        (uint256[] memory buys, uint256 wanted) = _shortfalls(v, p, band);
        uint256 available = _baseAboveTarget(v);
        uint256 n = buys.length;
        for (uint256 i = 1; i < n; ++i) {
            uint256 spend = wanted > available ? buys[i].mulDiv(available, wanted, Math.Rounding.Floor) : buys[i];
            if (spend == 0 || spend < p.minTradeValue) continue;
            _buyValue(i, spend, v, p.slippageBps);
            ++trades;
        }
    }

    /// @dev Buys asset `i` with `spend` base units, asking at least their oracle worth of it (rounded
    /// down) less the slippage bound.
    function _buyValue(uint256 i, uint256 spend, Valuation memory v, uint256 slippageBps) private {
        _swap(i, false, spend, _toAmount(i, spend, v, Math.Rounding.Floor).lessBpsDown(slippageBps));
    }

    /// @dev Each asset's value below target - band, capped at `maxTradeBps` of NAV, and their sum.
    function _shortfalls(
        Valuation memory v,
        RebalanceParams memory p,
        uint256 band
    ) private pure returns (uint256[] memory buys, uint256 wanted) {
        uint256 n = v.values.length;
        uint256 cap = v.nav.bps(p.maxTradeBps, Math.Rounding.Floor);
        buys = new uint256[](n);
        for (uint256 i = 1; i < n; ++i) {
            uint256 weight = v.targets[i];
            if (weight <= band) continue;
            uint256 target = v.nav.bps(weight - band, Math.Rounding.Floor);
            if (v.values[i] >= target) continue;
            buys[i] = Math.min(target - v.values[i], cap);
            wanted += buys[i];
        }
    }

    /// @dev Stores `prices` as the last valid ones (each entry valid, or the previous one kept).
    function _recordPrices(uint256[] memory prices, bool valid) private {
        _lastPrices = prices;
        emit PricesRecorded(prices);
        // The policy's volatility estimate learns from the same observations, when they are fresh.
        if (valid) _policy.observe(prices);
    }

    /// @dev The policy's target band, capped so that the base asset, which absorbs what every other
    /// asset leaves inside its band, stays well inside the trigger band: at most half the trigger
    /// band spread over the non-base assets. Without the cap, N assets each stopping a band short of
    /// target could leave the base N bands off, a drift no trade would ever remove.
    function _usableBand(uint256 band) private view returns (uint256) {
        uint256 cap = _policy.effectiveTriggerBand(address(this)) / (2 * (_basket.assets.length - 1));
        return Math.min(band, cap);
    }

    /// @dev The pools the breakers watch, with the price each should show by the oracles (raw
    /// token1 per 1e18 raw token0).
    function _poolChecks(Valuation memory v) private view returns (IBallastPolicy.PoolCheck[] memory checks) {
        uint256 n = v.prices.length;
        checks = new IBallastPolicy.PoolCheck[](n);
        for (uint256 i = 1; i < n; ++i) {
            BasketAdmin.PoolRef memory ref = _basket.poolRefs[i];
            if (ref.pool == address(0)) continue;
            uint256 q = ref.quoteIndex;
            // Raw quote per raw asset, WAD: price ratio times the units' ratio.
            uint256 quotePerAsset = Math.mulDiv(
                v.prices[i] * 10 ** _basket.assets[q].decimals,
                1e18,
                v.prices[q] * 10 ** _basket.assets[i].decimals
            );
            bool assetIsToken0 = _basket.assets[i].token < _basket.assets[q].token;
            checks[i] = IBallastPolicy.PoolCheck(
                ref.pool,
                assetIsToken0 ? quotePerAsset : Math.mulDiv(1e18, 1e18, quotePerAsset)
            );
        }
    }

    /// @dev The base balance above the base asset's own target weight (rounded up) of the NAV.
    function _baseAboveTarget(Valuation memory v) private view returns (uint256) {
        uint256 baseTarget = v.nav.bps(v.targets[0], Math.Rounding.Ceil);
        uint256 baseBalance = IERC20(_basket.assets[0].token).balanceOf(address(this));
        return baseBalance > baseTarget ? baseBalance - baseTarget : 0;
    }

    /// @dev The least a sale of `amount` of asset `i` may fetch: its oracle value less the slippage
    /// bound, both rounded down.
    function _minValueOut(
        uint256 i,
        uint256 amount,
        Valuation memory v,
        uint256 slippageBps
    ) private view returns (uint256) {
        return _toValue(i, amount, v, Math.Rounding.Floor).lessBpsDown(slippageBps);
    }

    // --- Internals -----------------------------------------------------------------------------

    /// @dev Shares of a vault with 18-decimal shares whatever the base asset's decimals: the
    /// offset's virtual shares make a donation (inflation) attack cost the attacker ~10**offset
    /// times what it could take.
    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }

    /// @dev OpenZeppelin's conversions, on the oracle NAV rounded in the vault's favour.
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        Valuation memory v = _valuation(false);
        return _toShares(assets, rounding == Math.Rounding.Floor ? v.navCeil : v.nav, rounding);
    }

    /// @dev See {_convertToShares}.
    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        Valuation memory v = _valuation(false);
        return _toAssets(shares, rounding == Math.Rounding.Floor ? v.nav : v.navCeil, rounding);
    }

    function _toShares(uint256 assets, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return assets.mulDiv(totalSupply() + _virtualShares, nav + 1, rounding);
    }

    function _toAssets(uint256 shares, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return shares.mulDiv(nav + 1, totalSupply() + _virtualShares, rounding);
    }

    /// @dev Burns `shares`, pays the exit from the base balance and, beyond it, from pro-rata
    /// slices of the other assets sold through Uniswap V3. `exactAssets` is 0 for a redeem (pay what
    /// the value fetches) or the amount a withdraw must deliver.
    function _exit(
        address receiver,
        address owner,
        uint256 shares,
        uint256 value,
        uint256 exactAssets,
        Valuation memory v
    ) private returns (uint256 assets) {
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);

        uint256 base = v.balances[0];
        if (value <= base) {
            assets = value;
        } else {
            (uint256[] memory amounts, uint256[] memory minOuts, ) = _exitSlices(value - base, v);
            uint256 proceeds;
            address baseToken = _basket.assets[0].token;
            for (uint256 i = 1; i < amounts.length; ++i) {
                if (amounts[i] != 0) {
                    proceeds += _swap(i, true, amounts[i], minOuts[i]);
                }
            }
            assets = base + proceeds;
            if (exactAssets != 0) {
                // _exitValueForAssets sized the slices so that their minimum outputs cover this.
                if (assets < exactAssets) revert BallastSlippageExceeded(baseToken, exactAssets, assets);
                assets = exactAssets;
            }
        }
        IERC20(_basket.assets[0].token).safeTransfer(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev Slices of the non-base assets worth `value` in total, pro-rata to each asset's value, and
    /// each slice's minimum output. A slice worth less than {_sliceFloor} is too small to route (a
    /// hop could round to nothing) and is folded into the largest asset's slice; when even that is
    /// below the floor, nothing is sold. Each minimum allows one unit of the input token for
    /// Uniswap's fee rounding on top of the slippage bound.
    function _exitSlices(
        uint256 value,
        Valuation memory v
    ) private view returns (uint256[] memory amounts, uint256[] memory minOuts, uint256 minTotal) {
        uint256 n = v.values.length;
        amounts = new uint256[](n);
        minOuts = new uint256[](n);
        uint256 others = v.nav - v.values[0];
        uint256 floor = _sliceFloor();
        uint256[] memory shares = new uint256[](n);
        uint256 largest = 1;
        for (uint256 i = 1; i < n; ++i) {
            if (v.values[i] > v.values[largest]) largest = i;
            shares[i] = v.values[i].mulDiv(value, others, Math.Rounding.Floor);
        }
        uint256 largestShare = shares[largest];
        for (uint256 i = 1; i < n; ++i) {
            if (i == largest) continue;
            if (shares[i] < floor) largestShare += shares[i];
            else amounts[i] = _toAmount(i, shares[i], v, Math.Rounding.Floor);
        }
        if (largestShare >= floor) {
            // A near-total exit can fold more than the largest holds: sell what there is.
            amounts[largest] = Math.min(_toAmount(largest, largestShare, v, Math.Rounding.Floor), v.balances[largest]);
        }
        uint256 slippage = _params.slippageBps;
        for (uint256 i = 1; i < n; ++i) {
            if (amounts[i] == 0) continue;
            minOuts[i] = _minValueOut(i, amounts[i] - 1, v, slippage);
            minTotal += minOuts[i];
        }
    }

    /// @dev The smallest exit slice worth routing: a hundredth of a base token (a cent for USDC).
    function _sliceFloor() private view returns (uint256) {
        return _baseUnit / 100;
    }

    /// @dev The NAV value a withdraw of `assets` consumes: the assets themselves while the base
    /// balance covers them; beyond it, the shortfall grossed up by the slippage bound plus a margin
    /// for the rounding of each slice (and at least two slice floors, so that something is sold),
    /// so that the slices' minimum outputs always cover it.
    function _exitValueForAssets(uint256 assets, Valuation memory v) private view returns (uint256) {
        uint256 base = v.balances[0];
        if (assets <= base) return assets;
        uint256 grossed = (assets - base + _sliceMargin(v)).grossUpBps(_params.slippageBps);
        return base + Math.max(grossed, 2 * _sliceFloor());
    }

    /// @dev The most `owner` can withdraw: the inverse of {_exitValueForAssets} at its shares' value.
    function _maxWithdraw(address owner, Valuation memory v) private view returns (uint256) {
        uint256 value = _toAssets(balanceOf(owner), v.nav, Math.Rounding.Floor);
        uint256 base = v.balances[0];
        if (value <= base) return value;
        // Too little beyond the base to sell anything for: the base balance is the limit.
        if (value - base < 2 * _sliceFloor()) return base;
        uint256 net = (value - base).lessBpsDown(_params.slippageBps);
        uint256 margin = _sliceMargin(v);
        return net > margin ? base + net - margin : base;
    }

    /// @dev Upper bound of the value the roundings of {_exitSlices} can lose, per asset: two units of
    /// the token (its amount rounded down, and the unit its minimum allows for Uniswap's fee
    /// rounding) and four base units (its share, value and minimum output rounded down), with one
    /// more of each kept spare.
    function _sliceMargin(Valuation memory v) private view returns (uint256 margin) {
        uint256 n = v.values.length;
        for (uint256 i = 1; i < n; ++i) {
            if (v.balances[i] != 0) margin += 3 * _toValue(i, 1, v, Math.Rounding.Ceil) + 6;
        }
    }

    /// @dev Swaps exactly `amountIn` along `route` with an exact approval. The router enforces
    /// `minOut` on what the pool sent; the balance delta enforces it on what actually arrived (a
    /// token that takes a fee in transit delivers less than the pool sent).
    /// `sell` swaps asset `i` for the base asset along its sell route, otherwise the reverse.
    function _swap(uint256 i, bool sell, uint256 amountIn, uint256 minOut) private returns (uint256 received) {
        (address tokenIn, address tokenOut) = sell
            ? (_basket.assets[i].token, _basket.assets[0].token)
            : (_basket.assets[0].token, _basket.assets[i].token);
        uint256 outBefore = IERC20(tokenOut).balanceOf(address(this));
        IERC20(tokenIn).forceApprove(address(_router), amountIn);
        _router.exactInput(
            ISwapRouter.ExactInputParams({
                path: sell ? _basket.sellRoutes[i] : _basket.buyRoutes[i],
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: amountIn,
                amountOutMinimum: minOut
            })
        );
        received = IERC20(tokenOut).balanceOf(address(this)) - outBefore;
        if (received < minOut) revert BallastSlippageExceeded(tokenOut, minOut, received);
        emit Swapped(tokenIn, tokenOut, amountIn, received, minOut);
    }

    /// @dev Reads every price once and values the current balances. With `strict`, an invalid
    /// price reverts with {BallastPriceUnavailable}; otherwise it marks the valuation invalid and
    /// uses the last recorded price (zero, and so a zero value, only if none was ever recorded).
    function _valuation(bool strict) private view returns (Valuation memory v) {
        uint256 n = _basket.assets.length;
        uint256[] memory prices = new uint256[](n);
        bool valid = true;
        for (uint256 i; i < n; ++i) {
            (bool ok, uint256 price) = _tryPrice(_basket.assets[i].oracle);
            if (!ok) {
                if (strict) revert BallastPriceUnavailable(_basket.assets[i].token);
                // A failing oracle never values an asset at zero: views fall back on the last
                // price recorded (by poke or rebalance); entries and exits stay refused meanwhile.
                valid = false;
                price = _lastPrices[i];
            }
            prices[i] = price;
        }
        v = _valuationAt(prices);
        v.valid = v.valid && valid;
    }

    /// @dev Values the current balances at `prices` (a zero price marks an invalid one).
    function _valuationAt(uint256[] memory prices) private view returns (Valuation memory v) {
        uint256 n = prices.length;
        v.prices = prices;
        v.targets = BasketAdmin.targetWeights(_basket);
        v.balances = new uint256[](n);
        v.values = new uint256[](n);
        v.valid = true;
        for (uint256 i; i < n; ++i) {
            v.balances[i] = IERC20(_basket.assets[i].token).balanceOf(address(this));
            if (prices[i] == 0 || prices[0] == 0) {
                v.valid = false;
                if (i != 0) continue;
            }
            v.values[i] = i == 0 ? v.balances[0] : _toValue(i, v.balances[i], v, Math.Rounding.Floor);
            v.nav += v.values[i];
            if (i != 0 && v.balances[i] != 0) ++v.navCeil;
        }
        v.navCeil += v.nav;
    }

    function _tryPrice(IBallastOracle oracle) private view returns (bool ok, uint256 price) {
        // A source that reverts or answers garbage is as invalid as one that says so.
        try oracle.tryPrice() returns (bool valid, uint256 p) {
            return (valid && p != 0, p);
        } catch {
            return (false, 0);
        }
    }

    function _toValue(uint256 i, uint256 amount, Valuation memory v, Math.Rounding r) private view returns (uint256) {
        return amount.toValue(v.prices[i], 10 ** _basket.assets[i].decimals, v.prices[0], _baseUnit, r);
    }

    function _toAmount(uint256 i, uint256 value, Valuation memory v, Math.Rounding r) private view returns (uint256) {
        return value.toAmount(v.prices[i], 10 ** _basket.assets[i].decimals, v.prices[0], _baseUnit, r);
    }

    function _maxDrift(Valuation memory v) private pure returns (uint256 drift) {
        uint256 n = v.values.length;
        for (uint256 i; i < n; ++i) {
            uint256 d = v.values[i].weightBps(v.nav).absDiff(v.targets[i]);
            if (d > drift) drift = d;
        }
    }

    function _setParams(RebalanceParams memory p) private {
        _checkRange(Parameter.SlippageBps, p.slippageBps, 1, MAX_SLIPPAGE_BPS);
        _checkRange(Parameter.MaxTradeBps, p.maxTradeBps, MIN_MAX_TRADE_BPS, BasketMath.BPS);
        _checkRange(Parameter.MaxLossBps, p.maxLossBps, 1, MAX_LOSS_BPS);
        // Dust floor: at most 1_000_000 whole base-asset tokens ($1M for USDC).
        _checkRange(Parameter.MinTradeValue, p.minTradeValue, 0, 1_000_000 * _baseUnit);
        emit RebalanceParamsSet(_params, p);
        _params = p;
    }

    function _setPolicy(IBallastPolicy newPolicy) private {
        if (address(newPolicy) == address(0)) revert BallastZeroAddress();
        // An account without code would make every rebalance and status view revert.
        if (address(newPolicy).code.length == 0) revert BallastNotAContract(address(newPolicy));
        emit PolicySet(_policy, newPolicy);
        _policy = newPolicy;
    }

    function _checkRange(Parameter parameter, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert BallastParameterOutOfRange(parameter, value, min, max);
    }

    /// @dev Stores basket entry `i` (no ramp in progress: its weight starts where it ends).
    function _listAsset(uint256 i, AssetConfig memory config) private {
        uint16 weight = config.targetWeightBps;
        _basket.assets.push(
            BasketAdmin.Asset(config.token, weight, _validDecimals(config.token), weight, config.oracle)
        );
        _lastPrices.push(0);
        _basket.sellRoutes.push(config.sellRoute);
        _basket.buyRoutes.push(config.buyRoute);
        emit AssetListed(i, config.token, config.oracle, weight, config.sellRoute, config.buyRoute);
    }

    /// @dev The base asset carries no route; every other asset a valid one each way.
    function _checkRoutes(
        IUniswapV3Factory factory,
        AssetConfig memory config,
        address base,
        bool isBase
    ) private view {
        if (isBase) {
            if (config.sellRoute.length != 0 || config.buyRoute.length != 0) revert BallastBaseRoute();
            return;
        }
        BasketAdmin.validateRoute(factory, config.token, config.sellRoute, config.token, base);
        BasketAdmin.validateRoute(factory, config.token, config.buyRoute, base, config.token);
    }

    function _validDecimals(address token) private view returns (uint8) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeCall(IERC20Metadata.decimals, ()));
        if (!ok || data.length < 32) revert BallastUnsupportedDecimals(token, type(uint256).max);
        uint256 tokenDecimals = abi.decode(data, (uint256));
        if (tokenDecimals > 18) revert BallastUnsupportedDecimals(token, tokenDecimals);
        return uint8(tokenDecimals);
    }

    /// @dev The base asset, read from the basket before ERC4626's constructor needs it.
    function _baseToken(AssetConfig[] memory basket) private pure returns (address) {
        if (basket.length < 2 || basket.length > MAX_ASSETS) revert BallastBasketSize(basket.length, MAX_ASSETS);
        if (basket[0].token == address(0)) revert BallastZeroAddress();
        return basket[0].token;
    }
}
