// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastRebalancer} from "./interfaces/IBallastRebalancer.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketAdmin} from "./libraries/BasketAdmin.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {FeeMath} from "./libraries/FeeMath.sol";
import {VaultLogic} from "./libraries/VaultLogic.sol";

/// @title BallastVault
/// @notice See {IBallastVault}. Custody, ERC-4626 accounting, fees, the basket and the execution of
/// trades within the bounds that protect the holders: prices come from {IBallastOracle} sources,
/// trades go directly to Uniswap V3's pools (the vault pays each in its swap callback), and when and what to trade is its
/// {IBallastRebalancer}'s to decide. Its valuation and its swaps, with their bounds, run in the
/// linked {VaultLogic}, its basket's administration in {BasketAdmin}: on its own storage, by
/// delegatecall.
contract BallastVault is ERC4626, AccessControl, ReentrancyGuardTransient, IBallastVault {
    using BasketMath for uint256;
    using Math for uint256;
    using SafeERC20 for IERC20;
    using TransientSlot for *;

    /// @notice Largest basket, base asset included.
    uint256 public constant MAX_ASSETS = BasketAdmin.MAX_ASSETS;

    /// @inheritdoc IBallastVault
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    // Hard-coded safe ranges of the execution bounds.
    uint256 internal constant MAX_SLIPPAGE_BPS = 500;
    uint256 internal constant MIN_MAX_TRADE_BPS = 100;
    uint256 internal constant MAX_LOSS_BPS = 500;

    // Hard bounds of the fees.
    uint256 internal constant MAX_MANAGEMENT_FEE_BPS = 500;
    uint256 internal constant MAX_FLOW_FEE_BPS = 100;

    /// @dev What the last {executeRebalance} of this transaction left of its loss bound, for
    /// {payReward} (transient: gone with the transaction).
    bytes32 private constant REWARD_BUDGET_SLOT = keccak256("ballast.vault.rewardBudget");

    /// @dev The Uniswap V3 factory: it validates routes, and its pools, at addresses computed from
    /// it, are the only ones the vault trades on and pays.
    address private immutable _factory;
    uint256 private immutable _baseUnit;
    uint8 private immutable _offset;
    /// @dev `10 ** _offset`: the virtual shares of OpenZeppelin's inflation defence.
    uint256 private immutable _virtualShares;

    BasketAdmin.Basket private _basket;
    /// @dev The settings every entry, exit and rebalance reads, in one slot ({VaultLogic-Settings}).
    VaultLogic.Settings private _settings;
    /// @dev The management fee's recipient, and when the fee last accrued or was set, in one slot
    /// read only under a rate (a flow without one leaves the time).
    address private _feeRecipient;
    uint40 private _accruedAt;
    IBallastRebalancer private _rebalancer;
    /// @dev Last valid oracle price of each asset, recorded at construction, at listing and by
    /// {recordPrices} (see {IBallastVault-lastPrices}); two a slot, as a valid price fits 128 bits
    /// ({BasketAdmin-tryPrice}): a rebalance reads and writes half the slots.
    uint128[] private _lastPrices;

    constructor(
        string memory name_,
        string memory symbol_,
        address factory,
        AssetConfig[] memory basket,
        RebalanceParams memory params,
        address admin,
        address guardian
    ) ERC20(name_, symbol_) ERC4626(IERC20(_baseToken(basket))) {
        if (factory == address(0) || admin == address(0) || guardian == address(0)) {
            revert BallastZeroAddress();
        }
        // Every pool the vault pays is computed from it: a mistyped address is refused by name.
        if (factory.code.length == 0) revert BallastNotAContract(factory);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        uint8 baseDecimals = BasketAdmin.validDecimals(basket[0].token);
        _baseUnit = 10 ** baseDecimals;
        _offset = 18 - baseDecimals;
        _virtualShares = 10 ** (18 - baseDecimals);
        _factory = factory;

        uint256 weightSum;
        for (uint256 i; i < basket.length; ++i) {
            weightSum += basket[i].targetWeightBps;
            BasketAdmin.listAsset(_basket, _lastPrices, factory, basket[i]);
        }
        if (weightSum != BasketMath.BPS) revert BallastWeightsSum(weightSum);
        // A first pool names its quote token's index: only now is every token listed. Not checked
        // against the breakers' observations: the vault cannot be called back while it is built.
        BasketAdmin.linkPools(_basket, factory, false);
        _setParams(params);
        _accruedAt = uint40(block.timestamp);
        VaultLogic.recordPrices(_lastPrices, _valuation(false).prices);
    }

    /// @dev Pricing views refuse to answer while a call of this vault is under way (read-only
    /// reentrancy): mid-exit, shares are burnt before the assets leave, and a token's transfer hook
    /// would read a share price that is not the vault's. `max*` answer 0 then instead (nothing can
    /// enter or leave until the call ends).
    modifier notMidCall() {
        _checkNotMidCall();
        _;
    }

    /// @dev The pause flag lives in the settings' slot, which every entry reads anyway
    /// ({VaultLogic-Settings}).
    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    modifier onlyRebalancer() {
        _checkRebalancer();
        _;
    }

    function _checkNotMidCall() private view {
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
    }

    // --- Basket views --------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function basketTokens() external view returns (address[] memory tokens) {
        uint256 n = _basket.assets.length;
        tokens = new address[](n);
        for (uint256 i; i < n; ++i) tokens[i] = _basket.assets[i].token;
    }

    /// @inheritdoc IBallastVault
    function oracles() external view returns (IBallastOracle[] memory sources) {
        uint256 n = _basket.assets.length;
        sources = new IBallastOracle[](n);
        for (uint256 i; i < n; ++i) sources[i] = _basket.assets[i].oracle;
    }

    /// @inheritdoc IBallastVault
    function basketRoutes(
        uint256 sellMask,
        uint256 buyMask
    ) external view returns (bytes[] memory sellRoutes, bytes[] memory buyRoutes) {
        uint256 n = _basket.assets.length;
        (sellRoutes, buyRoutes) = (new bytes[](n), new bytes[](n));
        for (uint256 i; i < n; ++i) {
            if ((sellMask >> i) & 1 != 0) sellRoutes[i] = BasketAdmin.sellRoute(_basket, i);
            if ((buyMask >> i) & 1 != 0) buyRoutes[i] = BasketAdmin.buyRoute(_basket, i);
        }
    }

    /// @inheritdoc IBallastVault
    function feeParams() public view returns (FeeParams memory) {
        VaultLogic.Settings memory f = _settings;
        return FeeParams(f.managementFeeBps, f.entryFeeBps, f.exitFeeBps, _feeRecipient);
    }

    /// @inheritdoc IBallastVault
    function pendingFeeShares() public view returns (uint256) {
        // The holders keep (1 - rate)^(elapsed / year) of the vault however often it accrues:
        // forcing accruals changes nothing (see {FeeMath-feeShares}; rounded down, for the holders).
        uint256 rate = _settings.managementFeeBps;
        // No fee, no call to the library (the common case, on every entry, exit and conversion).
        if (rate == 0) return 0;
        return FeeMath.feeShares(totalSupply(), rate, block.timestamp - _accruedAt);
    }

    /// @inheritdoc IBallastVault
    function uniswapFactory() external view returns (address) {
        return _factory;
    }

    /// @inheritdoc IBallastVault
    function rebalancer() external view returns (IBallastRebalancer) {
        return _rebalancer;
    }

    /// @inheritdoc IBallastVault
    function basketState() external view returns (BasketState memory) {
        _returnEncoded(VaultLogic.encodedState(_basket, _lastPrices, _factory, _settings));
    }

    /// @inheritdoc IBallastVault
    // Not mid-call of this vault, but no lock of its own: it makes static calls only (oracles,
    // balances), and its return ends the call without running a modifier's epilogue.
    function recordPrices() external notMidCall onlyRebalancer returns (BasketState memory) {
        // One read of every oracle: a failing one keeps its last price (see {_valuation}).
        _returnEncoded(VaultLogic.recordState(_basket, _lastPrices, _factory, _settings));
    }

    /// @inheritdoc IBallastVault
    function executeRebalance(
        Leg[] calldata legs,
        address keeper
    )
        external
        nonReentrant
        whenNotPaused
        onlyRebalancer
        returns (uint256 trades, uint256 navBefore, uint256 navAfter, uint256 driftAfter)
    {
        uint256 rewardBudget;
        bool pricesRead = VaultLogic.PRICES_READ_SLOT.asUint256().tload() != 0;
        _forgetPrices();
        (trades, navBefore, navAfter, driftAfter, rewardBudget) = VaultLogic.executeRebalance(
            _basket,
            _lastPrices,
            pricesRead,
            _factory,
            legs,
            _settings,
            keeper
        );
        REWARD_BUDGET_SLOT.asUint256().tstore(rewardBudget);
    }

    /// @inheritdoc IBallastVault
    function payReward(address keeper, uint256 amount) external nonReentrant onlyRebalancer {
        uint256 budget = REWARD_BUDGET_SLOT.asUint256().tload();
        if (amount > budget) revert BallastRewardTooLarge(amount, budget);
        // Once per rebalance: a second call finds nothing left.
        REWARD_BUDGET_SLOT.asUint256().tstore(0);
        IERC20 base = IERC20(asset());
        amount = Math.min(amount, base.balanceOf(address(this)));
        base.safeTransfer(keeper, amount);
        emit RewardPaid(keeper, amount);
    }

    /// @inheritdoc IBallastVault
    function lastPrices() external view returns (uint256[] memory prices) {
        uint256 n = _lastPrices.length;
        prices = new uint256[](n);
        for (uint256 i; i < n; ++i) prices[i] = _lastPrices[i];
    }

    // --- Swaps ---------------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        // Only the pool of the hop under way ({VaultLogic-_swapHop}), computed from the factory, is
        // paid: outside a swap the slot is zero, and it is cleared before the transfer, so that
        // neither a second callback nor a token re-entering during the transfer is paid again.
        address pool = VaultLogic.SWAP_POOL_SLOT.asAddress().tload();
        if (msg.sender != pool) revert BallastSwapCallback(msg.sender, pool);
        VaultLogic.SWAP_POOL_SLOT.asAddress().tstore(address(0));
        uint256 owed = VaultLogic.SWAP_OWED_SLOT.asUint256().tload();
        // The delta of the token sold: positive, what the pool asks; the other delta is what the
        // pool sent. A genuine pool never asks more than the hop's input: a pool that does (a
        // factory whose pools are not Uniswap's code) is refused rather than paid from the balance.
        int256 delta = owed & VaultLogic.OWED_TOKEN0 != 0 ? amount0Delta : amount1Delta;
        if (delta <= 0) return;
        uint256 input = VaultLogic.SWAP_INPUT_SLOT.asUint256().tload();
        if (uint256(delta) > input) revert BallastSwapOverpay(pool, uint256(delta), input);
        IERC20(address(uint160(owed))).safeTransfer(pool, uint256(delta));
    }

    // --- Governance ----------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function paused() public view returns (bool) {
        return _settings.paused;
    }

    /// @inheritdoc IBallastVault
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, _msgSender()) && !hasRole(DEFAULT_ADMIN_ROLE, _msgSender())) {
            revert AccessControlUnauthorizedAccount(_msgSender(), GUARDIAN_ROLE);
        }
        _requireNotPaused();
        _settings.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IBallastVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_settings.paused) revert ExpectedPause();
        _settings.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IBallastVault
    function setRebalanceParams(RebalanceParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(VaultLogic.rebalanceParams(_settings)))) {
            revert BallastParameterUnchanged();
        }
        _setParams(params);
    }

    /// @inheritdoc IBallastVault
    function setFeeParams(FeeParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        FeeParams memory old = feeParams();
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(old))) revert BallastParameterUnchanged();
        Bounds.check(Parameter.ManagementFeeBps, params.managementFeeBps, 0, MAX_MANAGEMENT_FEE_BPS);
        Bounds.check(Parameter.EntryFeeBps, params.entryFeeBps, 0, MAX_FLOW_FEE_BPS);
        Bounds.check(Parameter.ExitFeeBps, params.exitFeeBps, 0, MAX_FLOW_FEE_BPS);
        if (params.managementFeeBps != 0 && params.recipient == address(0)) revert BallastZeroAddress();
        // What accrued under the old fees goes to the old recipient; the new rate runs from now.
        _accrueFees();
        VaultLogic.Settings storage f = _settings;
        (f.managementFeeBps, f.entryFeeBps, f.exitFeeBps) = (
            params.managementFeeBps,
            params.entryFeeBps,
            params.exitFeeBps
        );
        (_feeRecipient, _accruedAt) = (params.recipient, uint40(block.timestamp));
        emit FeeParamsSet(old, params);
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
    function addAsset(AssetConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BasketAdmin.addAsset(_basket, _lastPrices, _factory, config);
        _basketChanged();
    }

    /// @inheritdoc IBallastVault
    function removeAsset(address token) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 i = BasketAdmin.indexOf(_basket, token);
        // Whatever a capped rebalance left, or someone sent to delay the removal, is sold first at
        // the oracle-bounded price (the removal reverts as a whole if the weights are not 0).
        uint256 dustValue = VaultLogic.sellRetired(_basket, _lastPrices, _factory, i, _settings.slippageBps);
        BasketAdmin.removeAsset(_basket, _lastPrices, _factory, token, dustValue);
        _basketChanged();
    }

    /// @inheritdoc IBallastVault
    function setOracle(address token, IBallastOracle oracle) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BasketAdmin.setOracle(_basket, token, oracle);
        _forgetPrices();
    }

    /// @inheritdoc IBallastVault
    function setRoutes(
        address token,
        bytes calldata sellRoute,
        bytes calldata buyRoute
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BasketAdmin.setRoutes(_basket, _factory, token, sellRoute, buyRoute);
    }

    /// @inheritdoc IBallastVault
    function setRebalancer(IBallastRebalancer newRebalancer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newRebalancer == _rebalancer) revert BallastParameterUnchanged();
        if (address(newRebalancer) == address(0)) revert BallastZeroAddress();
        if (address(newRebalancer).code.length == 0) revert BallastNotAContract(address(newRebalancer));
        if (newRebalancer.vault() != this) revert BallastRebalancerVault(address(newRebalancer), address(this));
        emit RebalancerSet(_rebalancer, newRebalancer);
        _rebalancer = newRebalancer;
    }

    // --- ERC-4626 accounting -------------------------------------------------------------------
    //
    // Conversions use the oracle NAV rounded against the caller: NAV rounded up where it divides
    // (assets -> shares on entry) or multiplies a payment in (mint), rounded down where it
    // multiplies a payment out (exits). Views that must not revert value an asset without a valid
    // price at zero; every state-changing path and the previews require all prices to be valid.
    // Every entry and exit first mints the management fee due; the views count it as pending.
    // Entry and exit fees follow OpenZeppelin's ERC4626Fees: a fee on an amount that includes it
    // (deposit, redeem) is `x * fee / (10_000 + fee)`, on an amount without it (mint, withdraw)
    // `x * fee / 10_000`, both rounded up; the fee stays in the vault.

    /// @inheritdoc ERC4626
    /// @dev The oracle value of every balance in base-asset units, rounded down. An asset whose
    /// price is invalid counts as zero here (a lower bound); entries and exits are refused then.
    function totalAssets() public view override(ERC4626, IERC4626) notMidCall returns (uint256) {
        return _valuation(false).nav;
    }

    /// @inheritdoc ERC4626
    /// @dev Zero while any price is invalid: never mint at a wrong price.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _open() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return _open() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev Net of the exit fee, of the exit's flow cost and of the worst-case cost of the swaps it
    /// needs beyond the base balance, and within what the pools can fill ({VaultLogic-exitLimit}).
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        VaultLogic.Valuation memory v = _flowValuation(VaultLogic.Side.Exit, false);
        return v.valid && !_reentrancyGuardEntered() ? _maxWithdraw(owner, v) : 0;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        VaultLogic.Valuation memory v = _flowValuation(VaultLogic.Side.Exit, false);
        if (!v.valid || _reentrancyGuardEntered()) return 0;
        // All of the owner's shares while their exit stays within what the pools can fill now;
        // beyond, the shares worth that limit (rounded down: fees only lower what they pay).
        uint256 shares = balanceOf(owner);
        uint256 limit = VaultLogic.exitLimit(v, _settings.slippageBps);
        return _redeemValue(shares, v) <= limit ? shares : _toShares(limit, v.nav, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function previewDeposit(uint256 assets) public view override(ERC4626, IERC4626) notMidCall returns (uint256) {
        return _depositShares(assets, _entryValuation());
    }

    /// @inheritdoc ERC4626
    function previewMint(uint256 shares) public view override(ERC4626, IERC4626) notMidCall returns (uint256) {
        return _mintAssets(shares, _entryValuation());
    }

    /// @inheritdoc ERC4626
    /// @dev Exactly the shares {withdraw} burns: beyond the base balance they cover the assets
    /// grossed up by the worst-case swap cost, which the exiting holder bears, plus the exit fee.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) notMidCall returns (uint256) {
        VaultLogic.Valuation memory v = _exitValuation();
        (, uint256 shares) = _withdrawShares(assets, v);
        return shares;
    }

    /// @inheritdoc ERC4626
    /// @dev The least {redeem} delivers: net of the exit fee, and beyond the base balance the sum of
    /// the oracle-derived minimum outputs of the swaps it makes.
    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) notMidCall returns (uint256) {
        VaultLogic.Valuation memory v = _exitValuation();
        uint256 value = _redeemValue(shares, v);
        uint256 base = v.balances[0];
        if (value <= base) return value;
        (, , uint256 minProceeds) = VaultLogic.exitSlices(v, value - base, _settings.slippageBps);
        return base + minProceeds;
    }

    /// @inheritdoc ERC4626
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        _accrueFeesFor(assets);
        shares = _depositShares(assets, _entryValuation());
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 assets) {
        _accrueFeesFor(shares);
        assets = _mintAssets(shares, _entryValuation());
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        _accrueFeesFor(assets);
        VaultLogic.Valuation memory v = _exitValuation();
        uint256 maxAssets = _maxWithdraw(owner, v);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        uint256 value;
        (value, shares) = _withdrawShares(assets, v);
        _exit(receiver, owner, shares, value, assets, v);
    }

    /// @inheritdoc ERC4626
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        _accrueFeesFor(shares);
        VaultLogic.Valuation memory v = _exitValuation();
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _exit(receiver, owner, shares, _redeemValue(shares, v), 0, v);
    }

    // --- In-kind exit --------------------------------------------------------------------------

    /// @inheritdoc IBallastVault
    function previewRedeemInKind(uint256 shares) external view notMidCall returns (uint256[] memory) {
        return _inKindAmounts(shares);
    }

    /// @dev Each basket balance's pro-rata part for `shares`, rounded down.
    function _inKindAmounts(uint256 shares) private view returns (uint256[] memory amounts) {
        uint256 n = _basket.assets.length;
        amounts = new uint256[](n);
        // The virtual shares of the decimals offset keep their pro-rata claim, as in ERC4626's
        // conversions: a final exit leaves only that dust behind.
        uint256 supply = _supply();
        for (uint256 i; i < n; ++i) {
            amounts[i] = shares.mulDiv(
                IERC20(_basket.assets[i].token).balanceOf(address(this)),
                supply,
                Math.Rounding.Floor
            );
        }
    }

    /// @inheritdoc IBallastVault
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory amounts) {
        return redeemInKindExcept(shares, receiver, owner, 0);
    }

    /// @inheritdoc IBallastVault
    function redeemInKindExcept(
        uint256 shares,
        address receiver,
        address owner,
        uint256 forfeited
    ) public nonReentrant returns (uint256[] memory amounts) {
        _accrueFeesFor(shares);
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        amounts = _inKindAmounts(shares);
        uint256 n = amounts.length;
        if (forfeited >> n != 0) revert BallastForfeitMask(forfeited, n);
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        for (uint256 i; i < n; ++i) {
            address token = _basket.assets[i].token;
            if ((forfeited >> i) & 1 != 0) {
                // The slice stays in the vault, with the remaining holders.
                emit ForfeitedInKind(owner, token, amounts[i]);
                amounts[i] = 0;
            } else if (amounts[i] != 0) {
                IERC20(token).safeTransfer(receiver, amounts[i]);
            }
        }
        emit RedeemedInKind(caller, receiver, owner, shares, amounts);
    }

    // --- Internals -----------------------------------------------------------------------------

    /// @dev Shares of a vault with 18-decimal shares whatever the base asset's decimals: the
    /// offset's virtual shares make a donation (inflation) attack cost the attacker ~10**offset
    /// times what it could take.
    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }

    /// @dev OpenZeppelin's conversions, on the oracle NAV rounded in the vault's favour.
    function _convertToShares(
        uint256 assets,
        Math.Rounding rounding
    ) internal view override notMidCall returns (uint256) {
        VaultLogic.Valuation memory v = _valuation(false);
        return _toShares(assets, rounding == Math.Rounding.Floor ? v.navCeil : v.nav, rounding);
    }

    /// @dev See {_convertToShares}.
    function _convertToAssets(
        uint256 shares,
        Math.Rounding rounding
    ) internal view override notMidCall returns (uint256) {
        VaultLogic.Valuation memory v = _valuation(false);
        return _toAssets(shares, rounding == Math.Rounding.Floor ? v.nav : v.navCeil, rounding);
    }

    /// @dev The supply conversions divide by: minted shares, the management fee's pending ones, and
    /// the virtual shares of the decimals offset.
    function _supply() private view returns (uint256) {
        return totalSupply() + pendingFeeShares() + _virtualShares;
    }

    function _toShares(uint256 assets, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return assets.mulDiv(_supply(), nav + 1, rounding);
    }

    function _toAssets(uint256 shares, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return shares.mulDiv(nav + 1, _supply(), rounding);
    }

    /// @dev Shares a deposit of `assets` mints: for the assets net of the entry fee and of the cost
    /// of investing them ({VaultLogic-flowCost}), at the entry NAV rounded up.
    function _depositShares(uint256 assets, VaultLogic.Valuation memory v) private view returns (uint256) {
        uint256 net =
            assets - assets.mulDiv(_settings.entryFeeBps, _settings.entryFeeBps + BasketMath.BPS, Math.Rounding.Ceil);
        return _toShares(net - _flowCost(v, net), v.navCeil, Math.Rounding.Floor);
    }

    /// @dev Assets a mint of `shares` takes: their value at the entry NAV rounded up, plus the cost
    /// of investing the whole payment (the cost of the value plus that cost, with the step from one
    /// estimate to the next added again, so that the payment is never below what a deposit of it
    /// would need), plus the entry fee.
    function _mintAssets(uint256 shares, VaultLogic.Valuation memory v) private view returns (uint256 assets) {
        uint256 value = _toAssets(shares, v.navCeil, Math.Rounding.Ceil);
        uint256 first = _flowCost(v, value);
        uint256 second = _flowCost(v, value + first);
        assets = value + 2 * second - first;
        assets += assets.bps(_settings.entryFeeBps, Math.Rounding.Ceil);
    }

    /// @dev {VaultLogic-flowCost} of `value` at the execution bounds' slippage cap.
    function _flowCost(VaultLogic.Valuation memory v, uint256 value) private view returns (uint256) {
        return VaultLogic.flowCost(v, value, _settings.slippageBps);
    }

    /// @dev The cost a base exit of `value` leaves the holders: the part the base balance pays must
    /// later be bought back by selling basket assets; the part beyond it the exit sells itself.
    function _exitFlowCost(VaultLogic.Valuation memory v, uint256 value) private view returns (uint256) {
        return _flowCost(v, Math.min(value, v.balances[0]));
    }

    /// @dev The NAV value a withdraw of `assets` sells for (see {VaultLogic-exitValueForAssets}) and
    /// the shares it burns: that value plus the exit fee on `assets`, at NAV rounded down.
    function _withdrawShares(
        uint256 assets,
        VaultLogic.Valuation memory v
    ) private view returns (uint256 value, uint256 shares) {
        value = VaultLogic.exitValueForAssets(v, assets, _settings.slippageBps);
        uint256 fee = assets.bps(_settings.exitFeeBps, Math.Rounding.Ceil);
        shares = _toShares(value + fee + _exitFlowCost(v, assets), v.nav, Math.Rounding.Ceil);
    }

    /// @dev The value a redeem of `shares` pays out: theirs at the exit NAV rounded down, less the
    /// exit fee and the exit's flow cost ({_exitFlowCost}).
    function _redeemValue(uint256 shares, VaultLogic.Valuation memory v) private view returns (uint256) {
        uint256 value = _toAssets(shares, v.nav, Math.Rounding.Floor);
        value -= value.mulDiv(_settings.exitFeeBps, _settings.exitFeeBps + BasketMath.BPS, Math.Rounding.Ceil);
        return value - _exitFlowCost(v, value);
    }

    /// @dev The most `owner` can withdraw: their shares' value less the exit fee on a total (and one
    /// unit, for the fee's rounding up), inverted through {VaultLogic-maxWithdrawable}.
    function _maxWithdraw(address owner, VaultLogic.Valuation memory v) private view returns (uint256) {
        uint256 value = _toAssets(balanceOf(owner), v.nav, Math.Rounding.Floor);
        uint256 feeBps = _settings.exitFeeBps;
        if (feeBps != 0) {
            uint256 fee = value.mulDiv(feeBps, feeBps + BasketMath.BPS, Math.Rounding.Ceil) + 1;
            value = value > fee ? value - fee : 0;
        }
        // The flow cost of the largest exit bounds that of any smaller one.
        return VaultLogic.maxWithdrawable(v, value - _exitFlowCost(v, value), _settings.slippageBps);
    }

    /// @dev Reverts with {IBallastErrors-EnforcedPause} while paused.
    function _requireNotPaused() private view {
        if (_settings.paused) revert EnforcedPause();
    }

    /// @dev Whether entries are open: not paused, every price valid, no call under way.
    function _open() private view returns (bool) {
        return !paused() && _valuation(false).valid && !_reentrancyGuardEntered();
    }

    /// @dev {_accrueFees} before an entry or exit of `amount`: a zero one changes nothing, and
    /// accrues nothing.
    function _accrueFeesFor(uint256 amount) private {
        if (amount != 0) _accrueFees();
    }

    /// @dev Mints the management fee accrued since the last accrual to its recipient.
    function _accrueFees() private {
        // Without a rate nothing accrues, and the time of the last accrual is read only under one
        // ({setFeeParams} sets it with the rate): a flow need not write it.
        if (_settings.managementFeeBps == 0) return;
        uint256 shares = pendingFeeShares();
        // A time past 2^40 seconds (the year 36812) is not a concern.
        _accruedAt = uint40(block.timestamp);
        if (shares == 0) return;
        address recipient = _feeRecipient;
        _mint(recipient, shares);
        emit ManagementFeeAccrued(recipient, shares);
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
        VaultLogic.Valuation memory v
    ) private returns (uint256 assets) {
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);

        uint256 base = v.balances[0];
        if (value <= base) {
            assets = exactAssets != 0 ? exactAssets : value;
        } else {
            uint256 proceeds = VaultLogic.sellExitSlices(_basket, _factory, v, value - base, _settings.slippageBps);
            // The leaver gets at most the value its shares were priced at: slices that fetch more
            // (pools above the oracle) leave the surplus with the holders, so that no round trip
            // through a base exit pays more than it put in.
            assets = base + Math.min(proceeds, value - base);
            if (exactAssets != 0) {
                // exitValueForAssets sized the slices so that their minimum outputs cover this.
                if (assets < exactAssets) revert BallastSlippageExceeded(asset(), exactAssets, assets);
                assets = exactAssets;
            }
        }
        IERC20(asset()).safeTransfer(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    function _valuation(bool strict) private view returns (VaultLogic.Valuation memory) {
        return _flowValuation(VaultLogic.Side.Oracle, strict);
    }

    /// @dev The valuation an entry (`side` Entry) or an exit (Exit) is priced at: each asset at the
    /// worse, for the caller, of its oracle and its pools (see {VaultLogic-Side}). An entry's valuation
    /// holds only what pricing it reads, `navCeil` and the flow terms ({VaultLogic-entryTerms}): its
    /// arrays are empty.
    function _entryValuation() private view returns (VaultLogic.Valuation memory v) {
        (v.navCeil, v.flowFeeWad, v.flowImpactWad) = VaultLogic.entryTerms(_basket, _lastPrices, _factory);
    }

    function _exitValuation() private view returns (VaultLogic.Valuation memory) {
        return _flowValuation(VaultLogic.Side.Exit, true);
    }

    function _flowValuation(VaultLogic.Side side, bool strict) private view returns (VaultLogic.Valuation memory) {
        return VaultLogic.valuation(_basket, _lastPrices, _factory, strict, side);
    }

    function _setParams(RebalanceParams memory p) private {
        Bounds.check(Parameter.SlippageBps, p.slippageBps, 1, MAX_SLIPPAGE_BPS);
        Bounds.check(Parameter.MaxTradeBps, p.maxTradeBps, MIN_MAX_TRADE_BPS, BasketMath.BPS);
        Bounds.check(Parameter.MaxLossBps, p.maxLossBps, 1, MAX_LOSS_BPS);
        // Dust floor: at most 1_000_000 whole base-asset tokens ($1M for USDC).
        Bounds.check(Parameter.MinTradeValue, p.minTradeValue, 0, 1_000_000 * _baseUnit);
        Bounds.check(Parameter.MaxPoolGapBps, p.maxPoolGapBps, 1, MAX_SLIPPAGE_BPS);
        emit RebalanceParamsSet(VaultLogic.rebalanceParams(_settings), p);
        VaultLogic.Settings storage f = _settings;
        (f.slippageBps, f.maxTradeBps, f.maxLossBps, f.minTradeValue, f.maxPoolGapBps) = (
            p.slippageBps,
            p.maxTradeBps,
            p.maxLossBps,
            p.minTradeValue,
            p.maxPoolGapBps
        );
    }

    /// @dev Tells the rebalancer, if any, that the basket changed; its recorded prices are not the
    /// new basket's.
    function _basketChanged() private {
        _forgetPrices();
        if (address(_rebalancer) != address(0)) _rebalancer.basketChanged();
    }

    /// @dev The next {executeRebalance} of this transaction reads every oracle again.
    function _forgetPrices() private {
        VaultLogic.PRICES_READ_SLOT.asUint256().tstore(0);
    }

    /// @dev Ends this call returning `encoded`, the ABI encoding of its return value, as a library
    /// built it. Only where nothing remains to run after it (no modifier epilogue).
    function _returnEncoded(bytes memory encoded) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(add(encoded, 32), mload(encoded))
        }
    }

    function _checkRebalancer() private view {
        if (_msgSender() != address(_rebalancer)) revert BallastNotRebalancer(_msgSender());
    }

    /// @dev The base asset, read from the basket before ERC4626's constructor needs it.
    function _baseToken(AssetConfig[] memory basket) private pure returns (address) {
        if (basket.length < 2 || basket.length > MAX_ASSETS) revert BallastBasketSize(basket.length, MAX_ASSETS);
        if (basket[0].token == address(0)) revert BallastZeroAddress();
        return basket[0].token;
    }
}
