// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastErrors
/// @notice Every custom error of Ballast's contracts, in one place (as OpenZeppelin's IERC6093).
/// Each names the problem and carries the values that caused it.
interface IBallastErrors {
    /// @notice Which bounded parameter an out-of-range error is about.
    enum Parameter {
        SlippageBps,
        MaxTradeBps,
        MaxLossBps,
        MinTradeValue,
        TriggerBandBps,
        Heartbeat,
        TargetBandBps,
        Cooldown,
        CalendarInterval,
        ReferenceVolBps,
        MinBandBps,
        MaxBandBps,
        AveragingTime,
        MinObservationInterval,
        TwapWindow,
        MaxOracleTwapDeviationBps,
        MaxSpotTwapTicks,
        MaxMoveBps,
        MoveWindow,
        BreakerCooldown,
        SequencerGracePeriod,
        RampDuration,
        BenefitPerBpWad,
        MaxCostRatioBps,
        GasBase,
        GasPerHop,
        ManagementFeeBps,
        EntryFeeBps,
        ExitFeeBps,
        MaxPoolGapBps,
        RampStart,
        DeviationBps,
        RewardPremiumBps,
        MaxRewardBps,
        MaxReward,
        MinDriftCutBps,
        CostToleranceBps
    }

    // --- Configuration -------------------------------------------------------------------------

    /// @notice A required address (token, oracle, factory, feed) is the zero address.
    error BallastZeroAddress();
    /// @notice An address that must be a contract (the policy, the breakers) has no code.
    error BallastNotAContract(address account);
    /// @notice The basket must hold the base asset and at least one other asset, and at most `max`.
    error BallastBasketSize(uint256 size, uint256 max);
    /// @notice `token` is not in the basket.
    error BallastUnknownToken(address token);
    /// @notice A token is listed twice in the basket.
    error BallastDuplicateToken(address token);
    /// @notice Target weights must sum to exactly 10_000 basis points.
    error BallastWeightsSum(uint256 sum);
    /// @notice Tokens with more than 18 decimals (or a base asset without readable decimals) are not supported.
    error BallastUnsupportedDecimals(address token, uint256 decimals);
    /// @notice A non-base asset was given no Uniswap V3 route.
    error BallastEmptyRoute(address token);
    /// @notice A route is not `20 + 23k` bytes long (a Uniswap V3 path of k >= 1 hops).
    error BallastMalformedRoute(address token, uint256 length);
    /// @notice A route for `token` starts or ends at the wrong token.
    error BallastRouteEndpoints(address token, address expectedStart, address start, address expectedEnd, address end);
    /// @notice A hop of a route names a pool the Uniswap V3 factory does not have.
    error BallastRoutePoolMissing(address tokenA, address tokenB, uint24 fee);
    /// @notice The factory's pool for a hop is at `pool`, not at `computed`, where Uniswap's canonical
    /// pool code would be: the factory deploys other code, which the vault does not support (it
    /// computes pool addresses rather than asking the factory; see {PoolAddress}).
    error BallastPoolAddress(address pool, address computed);
    /// @notice The base asset carries no route.
    error BallastBaseRoute();
    /// @notice A bounded parameter is outside its safe range `[min, max]`.
    error BallastParameterOutOfRange(Parameter parameter, uint256 value, uint256 min, uint256 max);
    /// @notice A setter was called with the values already in force: nothing would change.
    error BallastParameterUnchanged();
    /// @notice An asset is listed at weight 0 (then ramped in) and removed only once its target
    /// weight, and the weight in force, are 0; `token` has `weightBps`.
    error BallastAssetWeight(address token, uint256 weightBps);
    /// @notice `token` still holds `balance` worth more than dust: sell it (a rebalance sells a
    /// retiring asset entirely) before removing it.
    error BallastAssetNotEmpty(address token, uint256 balance);

    // --- Oracles -------------------------------------------------------------------------------

    /// @notice A feed reports more than 18 decimals, which the WAD normalisation cannot take.
    error BallastFeedDecimals(address feed, uint8 decimals);
    /// @notice The feed's answer is zero or negative.
    error BallastFeedAnswer(address feed, int256 answer);
    /// @notice The feed's round is incomplete (`updatedAt == 0`) or dated in the future.
    error BallastFeedTimestamp(address feed, uint256 updatedAt);
    /// @notice The feed has not updated within its heartbeat.
    error BallastFeedStale(address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice The feed's decimals changed since the adapter was deployed (a migration to review).
    error BallastFeedDecimalsChanged(address feed, uint8 expected, uint8 actual);
    /// @notice A forfeit mask names basket indices at or beyond the basket's `size`.
    error BallastForfeitMask(uint256 mask, uint256 size);
    /// @notice The L2 sequencer uptime feed says the sequencer is down, has no round yet, or gives no
    /// answer (reverts, has no code, answers short data).
    error BallastSequencerDown(address sequencerFeed);
    /// @notice The L2 sequencer restarted at `startedAt`, less than `gracePeriod` seconds ago.
    error BallastSequencerGracePeriod(address sequencerFeed, uint256 startedAt, uint256 gracePeriod);
    /// @notice The breaker of `vault` is not tripped: there is nothing to reset.
    error BallastBreakerNotTripped(address vault);
    /// @notice A pool a vault's breakers would watch can hold `observations` oracle observations
    /// (its `observationCardinalityNext`), fewer than the `required`
    /// {IBallastBreakers-minObservations}: raise it first (`increaseObservationCardinalityNext`,
    /// callable by anyone).
    error BallastPoolObservations(address pool, uint256 observations, uint256 required);
    /// @notice `token` is not one of `pool`'s two tokens.
    error BallastPoolToken(address pool, address token);
    /// @notice No valid price for `token` right now: deposits, base-asset exits and rebalances wait;
    /// `redeemInKind` still works.
    error BallastPriceUnavailable(address token);

    // --- Trading -------------------------------------------------------------------------------

    /// @notice A swap from `tokenIn` to `tokenOut` failed without a reason, or a pool on its route
    /// could not take the whole of its input (no liquidity in range, or not enough of it up to the
    /// price limit), or does not exist (failures with a reason are passed on as they are).
    error BallastSwapFailed(address tokenIn, address tokenOut);
    /// @notice `caller` called the vault's `uniswapV3SwapCallback` but is not `expectedPool`, the
    /// pool the vault is swapping on right now (zero: no swap under way, or its callback already
    /// paid): nothing is paid.
    error BallastSwapCallback(address caller, address expectedPool);
    /// @notice Pool `pool` asked `asked` of the token the vault sells in its swap callback, more than
    /// the hop's input `input`: the vault pays a pool at most what it is selling to it.
    error BallastSwapOverpay(address pool, uint256 asked, uint256 input);
    /// @notice A swap delivered less than the oracle-derived minimum.
    error BallastSlippageExceeded(address token, uint256 minOut, uint256 out);
    /// @notice The rebalance would lose more NAV, at oracle prices, than the loss bound allows.
    error BallastRebalanceLoss(uint256 navBefore, uint256 navAfter, uint256 maxLossBps);
    /// @notice A rebalance's leg from `tokenIn` to `tokenOut` cannot trade now: its route's spot
    /// output `spotOut` is below `spotFloor` (the oracle-fair output less `maxPoolGapBps`: a pool
    /// pushed against the vault), or the output estimated from the route's in-range liquidity,
    /// `estimatedOut`, is below the leg's minimum `minOut` and no smaller part of the leg would reach
    /// its own (nothing in range, or the fees alone exceed the slippage bound); the numbers are the
    /// whole leg's.
    error BallastLegUnfit(
        address tokenIn,
        address tokenOut,
        uint256 spotOut,
        uint256 spotFloor,
        uint256 estimatedOut,
        uint256 minOut
    );
    /// @notice A basket state's arrays (balances, prices, units, values, targets) are not all
    /// `assets` long, the length of its token list: not a state the vault gives.
    error BallastStateMisaligned(uint256 assets);
    /// @notice A rebalance leg's path is not a Uniswap V3 path between two different basket assets
    /// (a keeper's leg: through basket assets only, none twice).
    error BallastLegPath(bytes path);
    /// @notice A rebalance leg sells `value` (base-asset units) of `tokenIn`, more than the trade
    /// cap `cap` (`maxTradeBps` of NAV).
    error BallastLegTooLarge(address tokenIn, uint256 value, uint256 cap);
    /// @notice A keeper reward of `reward` base units exceeds what the rebalance's loss bound leaves,
    /// `budget`.
    error BallastRewardTooLarge(uint256 reward, uint256 budget);
    /// @notice Leg `leg` of a keeper's plan sells `tokenIn`, which is not above its target weight, or
    /// buys `tokenOut`, which is not below its own (the base asset, through which legs route, aside).
    error BallastPlanLeg(uint256 leg, address tokenIn, address tokenOut);
    /// @notice A keeper's plan left the largest drift at `driftAfter` bps, above the target band
    /// `bandBps`, having cut it from `driftBefore` by less than `requiredCut` bps.
    error BallastPlanDrift(uint256 driftBefore, uint256 driftAfter, uint256 bandBps, uint256 requiredCut);
    /// @notice A keeper's plan lost `loss` base units of NAV, more than its quoted cost plus the
    /// tolerance, `allowed`.
    error BallastPlanCost(uint256 loss, uint256 allowed);
    /// @notice Only the vault's rebalancer may trade the basket; `caller` is not it.
    error BallastNotRebalancer(address caller);
    /// @notice `rebalancer` serves `vault`, not the vault it was offered to.
    error BallastRebalancerVault(address rebalancer, address vault);
    /// @notice Only the vault `vault` may report its basket changes; `caller` is not it.
    error BallastNotVault(address caller, address vault);
    /// @notice A rebalance is not allowed now; `status` (an {IBallastPolicy-Status}) says why.
    error BallastRebalanceNotDue(uint8 status, uint256 driftBps);

    // --- Router (periphery): the caller's own bounds on a vault call ------------------------------

    /// @notice The call was mined after its `deadline` (a Unix time in seconds).
    error BallastRouterExpired(uint256 deadline, uint256 timestamp);
    /// @notice A deposit minted `shares`, fewer than the caller's `minShares`.
    error BallastRouterTooFewShares(uint256 shares, uint256 minShares);
    /// @notice A mint cost `assets`, more than the caller's `maxAssets`.
    error BallastRouterTooManyAssets(uint256 assets, uint256 maxAssets);
    /// @notice A withdrawal burnt `shares`, more than the caller's `maxShares`.
    error BallastRouterTooManyShares(uint256 shares, uint256 maxShares);
    /// @notice A redemption paid `assets`, fewer than the caller's `minAssets`.
    error BallastRouterTooFewAssets(uint256 assets, uint256 minAssets);
    /// @notice An in-kind redemption paid `amount` of `token`, less than the caller's `minAmount`.
    error BallastRouterTooLittleOut(address token, uint256 amount, uint256 minAmount);
    /// @notice `minAmounts` has `length` entries; the vault's basket has `expected` tokens.
    error BallastRouterLengthMismatch(uint256 length, uint256 expected);
    /// @notice The vault is paused: no entry, no trade, and no second pause (OpenZeppelin's name).
    error EnforcedPause();
    /// @notice The vault is not paused: nothing to unpause (OpenZeppelin's name).
    error ExpectedPause();
}
