/**
 * The vault's policy over a path: the keeper looks every `keeperIntervalSec`, the exact model
 * (src/sim/vaultModel) says what the contracts would do, and a due rebalance trades on the
 * simulated pools as BallastVault.executeRebalance would (or reverts where it would). Depositors'
 * flows, when the run has them, change the balances first (src/sim/flows.ts).
 *
 * The vault's decisions must be the contract's to the unit, which needs bigint arithmetic; bigint
 * is ~100x slower than floats, so each step first computes the drift in floating point, and only
 * when it is within 1.5 bps of the trigger band (or the calendar is due) asks the exact model what
 * the contract would do. The margin is safe: the contract's drift floors each weight to a whole bp,
 * so it can exceed the real-valued drift by less than 1 bp, and float error is ~1e-12 bp. Trades
 * change the balances the exact model holds (raw token units, bigint); the float copy is refreshed
 * from them.
 */
import { checkInteger, checkNumber } from "./errors";
import type { RebalanceParts, SimMarket } from "./market";
import { YEAR_SECONDS } from "./paths";
import type { VaultPolicySpec } from "./policies";
import type { RebalanceEvent } from "./simulate";
import { ASSET_FEED, BASE_FEED, publishRounds, roundReads, roundsAt, samplesSince } from "./feeds";
import { MoveBreaker } from "./breakers";
import { markToMarket, VolatilityTracking } from "./tracking";
import type { PolicyRun, RunState } from "./tracking";
import * as vm from "./vaultModel";

/** USD price as the vault's oracle reports it: an 8-decimal Chainlink answer scaled to WAD. */
export function priceWad(priceUsd: number): bigint {
  return BigInt(Math.round(priceUsd * 1e8)) * 10n ** 10n;
}

export function runVault(run: PolicyRun, spec: VaultPolicySpec): Float64Array {
  const { config, path, market, initial, tracker, state, tick, flows } = run;
  const w = path.width;
  const p = path.prices;
  const baseUnits = 10 ** path.decimals[0];
  const triggers = vm.checkTriggers({
    triggerBandBps: BigInt(spec.triggerBandBps),
    targetBandBps: BigInt(spec.targetBandBps),
    cooldown: BigInt(spec.cooldown ?? 600),
    calendarInterval: BigInt(spec.calendarInterval ?? 0),
  });
  const volatility = vm.checkVolatility(
    spec.volatility
      ? {
          referenceVolBps: BigInt(spec.volatility.referenceVolBps),
          minBandBps: BigInt(spec.volatility.minBandBps),
          maxBandBps: BigInt(spec.volatility.maxBandBps),
          averagingTime: BigInt(spec.volatility.averagingTime),
          minObservationInterval: BigInt(spec.volatility.minObservationInterval),
        }
      : vm.VOLATILITY_OFF,
  );
  const params = vm.checkRebalanceParams({
    slippageBps: BigInt(spec.slippageBps ?? 100),
    maxTradeBps: BigInt(spec.maxTradeBps ?? 1_000),
    maxLossBps: BigInt(spec.maxLossBps ?? 100),
    minTradeValue: BigInt(Math.round((spec.minTradeValueTokens ?? 10) * baseUnits)),
    maxPoolGapBps: 5n,
  });
  const gas = market.gas;
  const costs: vm.CostParams = spec.costs
    ? {
        benefitPerBpWad: spec.costs.benefitPerBpWad,
        maxCostRatioBps: BigInt(spec.costs.maxCostRatioBps),
        // The gate's two-figure model (IBallastPolicy.CostParams) from the measured one: every asset's
        // part in the base, one hop a leg (as the policy counts trades).
        gasBase: BigInt(gas.fixed + gas.perAsset * w),
        gasPerHop: BigInt(gas.perLeg + gas.perHop),
        gasTokenPriceWad: market.frictionless ? undefined : 0n, // set per check from the path
      }
    : vm.COSTS_OFF;
  const gateOn = costs.maxCostRatioBps !== 0n;
  const basefeeWei = BigInt(Math.round(gas.baseFeeGwei * 1e9));
  // The bounds BallastRebalancer.setRewardParams enforces.
  const reward: vm.RewardParams | undefined = spec.reward && {
    premiumBps: BigInt(checkInteger("reward.premiumBps", spec.reward.premiumBps, 0, 10_000)),
    maxRewardBps: BigInt(checkInteger("reward.maxRewardBps", spec.reward.maxRewardBps, 0, 10)),
    maxReward: BigInt(
      Math.round(checkNumber("reward.maxRewardTokens", spec.reward.maxRewardTokens, 0, 1e12) * baseUnits),
    ),
  };
  const units = path.decimals.map((d) => 10n ** BigInt(d));
  const unitF = path.decimals.map((d) => 10 ** d);
  const targetsBig = config.targetsBps.map((x) => BigInt(x));
  const startTime = config.startTime ?? 1_700_000_000;
  const keeperEvery = spec.keeperIntervalSec ?? 0;
  checkNumber("keeperIntervalSec", keeperEvery, 0, YEAR_SECONDS);

  const raw: bigint[] = [];
  for (let i = 0; i < w; i++) raw.push(BigInt(Math.floor(initial[i] * unitF[i])));
  const bal = Float64Array.from(raw, (r, i) => Number(r) / unitF[i]);
  const values = new Float64Array(w);
  const targetBps = Float64Array.from(config.targetsBps);
  const volState = vm.emptyVolatilityState();
  const volOn = volatility.referenceVolBps !== 0n;
  // The feeds' round histories along the path, read as ChainlinkOracle reads them at `now`.
  const feeds =
    volOn || spec.breakers
      ? Array.from({ length: w }, (_, i) => publishRounds(path, i, startTime, i === 0 ? BASE_FEED : ASSET_FEED))
      : [];
  const breaker = spec.breakers && new MoveBreaker(spec.breakers, feeds);
  let now = 0n;
  const read: vm.HistoryReader = (i, fromRound, since) =>
    samplesSince(feeds[i], roundsAt(feeds[i], now), fromRound, since, vm.HISTORY_SAMPLES);
  let effective = vm.effectiveTriggerBand(triggers, volatility, volState.variances);
  const volTracking = volOn
    ? new VolatilityTracking(path, Number(volatility.averagingTime), (Number(volatility.referenceVolBps) / 1e4) ** 2)
    : undefined;
  // The vault starts invested, by a rebalance at the start (its cooldown runs from there), which
  // observed the feeds as every rebalance does.
  let lastRebalance = BigInt(startTime);
  if (volOn) {
    now = lastRebalance;
    vm.observe(volState, volatility, w, read, now);
  }
  let nextCheck = 0;
  const cooldown = Number(triggers.cooldown);
  const calendar = Number(triggers.calendarInterval);
  const targetBand = Number(triggers.targetBandBps);
  const pricesAt = (row: number): bigint[] => {
    const out: bigint[] = new Array<bigint>(w);
    for (let i = 0; i < w; i++) out[i] = priceWad(p[row * w + i]);
    return out;
  };

  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    // Liquidity providers who follow the price re-centre row by row (MarketModel.recenterThreshold).
    if (market.followsPrices) market.follow(t);
    const row = t * w;
    const time = path.times[t];
    const nowSec = startTime + Math.round(time);
    // Depositors come after the row's prices and before the keeper looks, as in `npm start`'s steps.
    if (flows?.has(t)) {
      flows.apply(t, raw, p, row, unitF);
      for (let i = 0; i < w; i++) bal[i] = Number(raw[i]) / unitF[i];
    }
    let nav = markToMarket(bal, p, row, values);
    now = BigInt(nowSec);
    const checking = time >= nextCheck && nav > 0;
    // The estimate the policy judges by now: its view folds the feeds' history since the last
    // observation (the same fold a rebalance stores before it decides).
    const variances = volOn && (checking || volTracking) ? vm.currentVariances(volState, volatility, w, read, now) : [];
    volTracking?.record(t, variances);
    if (checking) {
      if (volOn) effective = vm.effectiveTriggerBand(triggers, volatility, variances);
      nextCheck = time + keeperEvery;
      const last = Number(lastRebalance);
      // A trip in force: the status says BreakerTripped, the keeper sends nothing.
      if (nowSec >= last + cooldown && !breaker?.holds(nowSec)) {
        let drift = 0;
        for (let i = 0; i < w; i++) {
          const d = Math.abs((values[i] / nav) * 10_000 - targetBps[i]);
          if (d > drift) drift = d;
        }
        const calendarDue = calendar !== 0 && nowSec >= last + calendar && drift > targetBand - 1.5;
        if (drift >= Number(effective) - 1.5 || calendarDue) {
          const prices = pricesAt(t);
          if (gateOn) market.align(t);
          if (costs.gasTokenPriceWad !== undefined) costs.gasTokenPriceWad = priceWad(market.gasTokenPriceUsd(t));
          const status = vm.rebalanceStatus(
            {
              balances: raw,
              pricesWad: prices,
              units,
              targets: targetsBig,
              params,
              triggers,
              volatility,
              variances,
              costs,
              ...(reward ? { reward } : {}),
              lastRebalance,
              now,
              basefeeWei,
            },
            (i, sell) => market.hopStates(i, sell),
            (i, o) => market.shortcutStates(i, o),
          );
          const due = status.status === vm.Status.Due || status.status === vm.Status.DueByCalendar;
          // The breakers judge a due call before the gate: one that records a trip trades nothing.
          const verdict =
            breaker && (due || status.status === vm.Status.Uneconomic) ? breaker.verdict(nowSec, prices, due) : "trade";
          if (verdict === "trip") {
            // The call observes (its opening) and records the trip; no cooldown, no reward: the keeper pays.
            if (volOn) vm.observe(volState, volatility, w, read, now);
            state.otherGasUsd += market.gasUnitsUsd(market.gas.trip.fixed + market.gas.trip.perAsset * w, t);
            state.breakerTrips++;
          } else if (status.status === vm.Status.Uneconomic) state.uneconomicChecks++;
          if (due && status.plan && verdict === "trade") {
            // rebalance(): the feeds' history is observed before the policy decides (the same fold
            // as `variances` above).
            const start = vm.observationStart(volState, volatility.averagingTime, w, now);
            const observed = volOn && vm.observe(volState, volatility, w, read, now);
            const roundsRead = observed
              ? feeds.reduce(
                  (sum, h, i) =>
                    sum + roundReads(h, roundsAt(h, now), start.rounds[i], start.since, vm.HISTORY_SAMPLES),
                  0,
                )
              : 0;
            const payment = reward && { reward, basefeeWei };
            const parts = {
              gate: gateOn,
              observation: observed,
              roundsRead,
              reward: reward !== undefined,
              breakers: breaker !== undefined,
            };
            if (executeRebalance(status.valuation, status.plan, params, market, t, raw, unitF, state, parts, payment)) {
              lastRebalance = now;
              for (let i = 0; i < w; i++) bal[i] = Number(raw[i]) / unitF[i];
              nav = markToMarket(bal, p, row, values);
            } else {
              state.revertedAttempts++;
            }
          }
        }
      }
    }
    tracker.record(t, values, nav);
  }
  if (volTracking) state.volatilityTracking = volTracking.result();
  return values;
}

/**
 * The rebalance's execution after the plan (BallastVault.executeRebalance): sells (each with its oracle minimum), then buys
 * scaled to the base actually received, then the NAV loss bound. Returns false, changing nothing,
 * where the contract would revert. The keeper's gas is paid back from the base balance: as it is,
 * or, with `payment`, as the rebalancer's reward (gas x (1 + premium), capped, within what the loss
 * bound leaves).
 */
function executeRebalance(
  v: vm.Valuation,
  pl: vm.Plan,
  params: vm.RebalanceParams,
  market: SimMarket,
  row: number,
  raw: bigint[],
  unitF: readonly number[],
  state: RunState,
  parts: RebalanceParts,
  payment?: { reward: vm.RewardParams; basefeeWei: bigint },
): boolean {
  const n = raw.length;
  const next = [...raw];
  market.align(row);
  let fees = 0;
  let impact = 0;
  let traded = 0;
  let hops = 0;
  let swaps = 0;
  const navUsd = (Number(v.nav) / unitF[0]) * (Number(v.prices[0]) / 1e18);
  const legs: RebalanceEvent["legs"] = [];
  // The legs that sell an asset, in the plan's order: into the base, or along a shortcut into the
  // asset a purchase wants (BallastPlanner pairs them), each against its oracle-fair output.
  for (const trade of pl.trades) {
    const { from: i, to: o, amountIn } = trade;
    if (i === 0 || amountIn === 0n) continue;
    const r =
      o === 0
        ? market.swap(i, true, Number(amountIn) / unitF[i], row)
        : market.swapShortcut(i, o, Number(amountIn) / unitF[i], row);
    const out = BigInt(Math.floor(r.amountOut * unitF[o]));
    if (out < vm.lessBpsDown(vm.fairOut(v, i, o, amountIn), params.slippageBps)) return false;
    next[i] -= amountIn;
    next[o] += out;
    fees += r.feeUsd;
    impact += r.valueInUsd - r.valueOutUsd - r.feeUsd;
    // A shortcut trades a sale and a purchase at once: both count in the turnover, as through the base.
    traded += o === 0 ? r.valueInUsd : r.valueInUsd + r.valueOutUsd;
    hops += r.hops;
    swaps++;
    legs.push({ from: i, to: o, valueInUsd: r.valueInUsd, valueOutUsd: r.valueOutUsd, feeUsd: r.feeUsd, hops: r.hops });
  }
  const spends = vm.executionSpends(v, pl, params, next[0]);
  for (let i = 1; i < n; i++) {
    const spend = spends[i];
    if (spend === 0n) continue;
    const r = market.swap(i, false, Number(spend) / unitF[0], row);
    const out = BigInt(Math.floor(r.amountOut * unitF[i]));
    if (out < vm.minBuyOut(v, i, spend, params.slippageBps)) return false;
    next[0] -= spend;
    next[i] += out;
    fees += r.feeUsd;
    impact += r.valueInUsd - r.valueOutUsd - r.feeUsd;
    traded += r.valueOutUsd;
    hops += r.hops;
    swaps++;
    legs.push({ from: 0, to: i, valueInUsd: r.valueInUsd, valueOutUsd: r.valueOutUsd, feeUsd: r.feeUsd, hops: r.hops });
  }
  if (swaps === 0) return true; // a due rebalance with nothing to trade still records itself
  const after = vm.valuationAt(next, v.prices, v.units, v.targets);
  if (after.nav < vm.lessBpsDown(v.nav, params.maxLossBps)) return false;
  let gasUsd = market.gasUsd(swaps, hops, row, parts);
  const keeperGasUsd = gasUsd;
  let gasRaw = BigInt(Math.floor((gasUsd / (Number(v.prices[0]) / 1e18)) * unitF[0]));
  if (payment && !market.frictionless) {
    const gasUnits = BigInt(market.gasUnits(swaps, hops, parts));
    const gasPrice = priceWad(market.gasTokenPriceUsd(row));
    const paid = vm.rewardFor(payment.reward, gasUnits, gasPrice, v.nav, {
      basefeeWei: payment.basefeeWei,
      basePriceWad: v.prices[0],
      baseUnit: v.units[0],
    });
    const budget = after.nav - vm.lessBpsDown(v.nav, params.maxLossBps);
    gasRaw = paid < budget ? paid : budget;
    gasUsd = (Number(gasRaw) / unitF[0]) * (Number(v.prices[0]) / 1e18);
  }
  next[0] = next[0] > gasRaw ? next[0] - gasRaw : 0n;
  for (let i = 0; i < n; i++) raw[i] = next[i];
  state.costs.feesUsd += fees;
  state.costs.impactUsd += impact;
  state.costs.gasUsd += gasUsd;
  state.keeperGasUsd += keeperGasUsd;
  state.turnover += traded / navUsd;
  state.tradedUsd += traded;
  state.rebalances++;
  state.swaps += swaps;
  state.onRebalance?.({
    row,
    legs,
    gasUnits: market.frictionless ? 0 : market.gasUnits(swaps, hops, parts),
    gasUsd: keeperGasUsd,
    paidUsd: gasUsd,
  });
  return true;
}
