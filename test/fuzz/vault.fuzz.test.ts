import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { MaxUint256, parseUnits } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "hardhat";

import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { oracleNav, rebalanceUntilSettled } from "../shared/vault";

/*
 * Stateful fuzzing (fast-check model-based testing on the Hardhat network): random sequences of
 * entries, exits, price moves, pool pushes, time jumps, rebalances, pauses and parameter
 * changes, with the invariants checked after every step. CI runs a short campaign; `npm run fuzz`
 * a long one (FUZZ_RUNS sequences of up to FUZZ_STEPS commands; see docs/threat-model.md).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const STEPS = Number(process.env.FUZZ_STEPS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const BASKET = ["USDC", "WETH", "WBTC", "LINK"];
const OUTSIDE = ["UNI", "AAVE", "CRV", "MKR"];
const VIRTUAL_SHARES = 10n ** 12n;

/** Reverts the vault may legitimately answer a random call with: named errors, never a panic. */
const EXPECTED_REVERTS = [
  "BallastPriceUnavailable",
  "BallastSlippageExceeded",
  // A pool that cannot take a slice whole (no liquidity in range), or a hop that yields nothing.
  "BallastSwapFailed",
  "EnforcedPause",
  "ERC4626ExceededMaxWithdraw",
  "ERC4626ExceededMaxRedeem",
  "BallastRebalanceNotDue",
  "BallastRebalanceLoss",
  // A rebalance whose leg's pool was pushed (or thinned) refuses before any trade.
  "BallastLegUnfit",
  "ERC20InsufficientBalance",
];

interface Real {
  f: VaultFixture;
  users: HardhatEthersSigner[];
}

type Model = Record<string, never>;

async function refreshFeeds(f: VaultFixture): Promise<void> {
  for (const symbol of BASKET) await f.market.setFeedPrice(symbol, await f.market.feedPrice(symbol));
}

/** Sends `call`; a revert must be one of the named ones and leaves the state as it was. */
async function attempt(label: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (!EXPECTED_REVERTS.some((name) => message.includes(name))) {
      throw new Error(`${label}: unexpected failure: ${message.split("\n")[0]}`, { cause: error });
    }
    return false;
  }
}

/** Share price as a fraction: (NAV + 1) / (supply + pending fee shares + virtual shares). */
async function sharePrice(f: VaultFixture): Promise<[bigint, bigint]> {
  const nav = await f.vault.totalAssets();
  const supply = (await f.vault.totalSupply()) + (await f.vault.pendingFeeShares()) + VIRTUAL_SHARES;
  return [nav + 1n, supply];
}

/** After every step: shares reconcile, NAV is the oracles' value, no unlisted token is held. */
async function invariants(r: Real): Promise<void> {
  const { f, users } = r;
  let held = 0n;
  for (const user of users) held += await f.vault.balanceOf(user);
  expect(held).to.equal(await f.vault.totalSupply(), "shares reconcile with the holders");
  const [, valid] = await Promise.all([f.vault.totalAssets(), f.vault.maxDeposit(users[0])]);
  if (valid !== 0n) expect(await f.vault.totalAssets()).to.equal(await oracleNav(f.market, f.vault));
  for (const symbol of OUTSIDE) {
    expect(await f.market.token(symbol).contract.balanceOf(f.vault)).to.equal(0n, `the vault never holds ${symbol}`);
  }
}

/**
 * An entry or exit must not lower the share price for everyone else: price after >= price before,
 * allowing one base unit per asset for the rounding down of each asset's value.
 */
async function noFreeValue(r: Real, run: () => Promise<boolean>): Promise<void> {
  const [navBefore, supplyBefore] = await sharePrice(r.f);
  if (!(await run())) return;
  const [navAfter, supplyAfter] = await sharePrice(r.f);
  const slack = BigInt(BASKET.length);
  expect((navAfter + slack) * supplyBefore).to.be.greaterThanOrEqual(navBefore * supplyAfter, "no free value");
}

class Deposit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly user: number,
    readonly usd: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const user = r.users[this.user];
    const amount = parseUnits(String(this.usd), 6);
    await r.f.market.fund(user.address, "USDC", amount);
    await noFreeValue(r, () =>
      attempt("deposit", async () => (await r.f.vault.connect(user).deposit(amount, user)).wait()),
    );
    await invariants(r);
  }
  toString = () => `deposit(${this.user}, $${this.usd})`;
}

class Mint implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly user: number,
    readonly whole: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const user = r.users[this.user];
    await r.f.market.fund(user.address, "USDC", parseUnits(String(this.whole * 2), 6));
    const shares = parseUnits(String(this.whole), 18);
    await noFreeValue(r, () => attempt("mint", async () => (await r.f.vault.connect(user).mint(shares, user)).wait()));
    await invariants(r);
  }
  toString = () => `mint(${this.user}, ${this.whole} shares)`;
}

class Exit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: "withdraw" | "redeem" | "redeemInKind",
    readonly user: number,
    readonly fractionBps: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const user = r.users[this.user];
    const shares = ((await r.f.vault.balanceOf(user)) * BigInt(this.fractionBps)) / 10_000n;
    const vault = r.f.vault.connect(user);
    await noFreeValue(r, () =>
      attempt(this.kind, async () => {
        if (this.kind === "redeemInKind") return (await vault.redeemInKind(shares, user, user)).wait();
        if (this.kind === "redeem") return (await vault.redeem(shares, user, user)).wait();
        const assets = ((await vault.maxWithdraw(user)) * BigInt(this.fractionBps)) / 10_000n;
        return (await vault.withdraw(assets, user, user)).wait();
      }),
    );
    await invariants(r);
  }
  toString = () => `${this.kind}(${this.user}, ${this.fractionBps / 100}%)`;
}

class PriceMove implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly symbol: string,
    readonly movePct: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const { market } = r.f;
    await market.setFeedPrice(this.symbol, (await market.feedPrice(this.symbol)) * (1 + this.movePct / 100));
    await market.recenterAllLiquidity();
    await market.alignAllPools();
    await invariants(r);
  }
  toString = () => `price(${this.symbol}, ${this.movePct}%)`;
}

class PoolPush implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pushPct: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const { market } = r.f;
    const pool = market.pool("WETH", "USDC", 500);
    await market.movePoolPrice(pool, "WETH", (await market.poolPrice(pool, "WETH")) * (1 + this.pushPct / 100));
    await invariants(r);
  }
  toString = () => `push(WETH/USDC, ${this.pushPct}%)`;
}

class TimeJump implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly seconds: number,
    readonly refresh: boolean,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    await time.increase(this.seconds);
    if (this.refresh) await refreshFeeds(r.f);
    await invariants(r);
  }
  toString = () => `wait(${this.seconds}s${this.refresh ? ", feeds answer" : ""})`;
}

class Keeper implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    const [navBefore] = await sharePrice(r.f);
    const traded = await attempt("rebalance", async () => (await r.f.rebalancer.rebalance()).wait());
    if (traded) {
      // A rebalance costs at most its loss bound (1%) of NAV at the call's prices.
      expect(await r.f.vault.totalAssets()).to.be.greaterThanOrEqual((navBefore * 9_899n) / 10_000n);
    }
    await invariants(r);
  }
  toString = () => "rebalance";
}

class Governance implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly action: "pause" | "unpause" | "params",
    readonly slippageBps: number,
  ) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const { vault } = r.f;
    if (this.action === "pause" && !(await vault.paused())) await vault.pause();
    if (this.action === "unpause" && (await vault.paused())) await vault.unpause();
    if (this.action === "params") {
      const params = (await vault.basketState()).params;
      if (Number(params.slippageBps) !== this.slippageBps) {
        await vault.setRebalanceParams({
          slippageBps: this.slippageBps,
          maxTradeBps: params.maxTradeBps,
          maxLossBps: params.maxLossBps,
          minTradeValue: params.minTradeValue,
          maxPoolGapBps: params.maxPoolGapBps,
        });
      }
    }
    await invariants(r);
  }
  toString = () => (this.action === "params" ? `slippage(${this.slippageBps})` : this.action);
}

const user = fc.integer({ min: 0, max: 2 });
const commands = [
  fc.tuple(user, fc.integer({ min: 1, max: 200_000 })).map(([u, usd]) => new Deposit(u, usd)),
  fc.tuple(user, fc.integer({ min: 1, max: 100_000 })).map(([u, n]) => new Mint(u, n)),
  fc
    .tuple(
      fc.constantFrom("withdraw" as const, "redeem" as const, "redeemInKind" as const),
      user,
      fc.integer({ min: 1, max: 10_000 }),
    )
    .map(([kind, u, bps]) => new Exit(kind, u, bps)),
  fc
    .tuple(fc.constantFrom("WETH", "WBTC", "LINK"), fc.integer({ min: -15, max: 15 }))
    .map(([s, pct]) => new PriceMove(s, pct)),
  fc.integer({ min: -20, max: 20 }).map((pct) => new PoolPush(pct)),
  fc.tuple(fc.integer({ min: 60, max: 2 * 86_400 }), fc.boolean()).map(([s, refresh]) => new TimeJump(s, refresh)),
  fc.constant(null).map(() => new Keeper()),
  fc
    .tuple(fc.constantFrom("pause" as const, "unpause" as const, "params" as const), fc.integer({ min: 20, max: 300 }))
    .map(([a, bps]) => new Governance(a, bps)),
];

/** The invested vault with three more holders, each with an approval. */
async function fuzzFixture(): Promise<Real> {
  const f = await investedAdminFixture();
  const users = (await ethers.getSigners()).slice(2, 5);
  for (const u of users) await f.market.token("USDC").contract.connect(u).approve(f.vault, MaxUint256);
  // Holders of shares: the fixture's depositor too, so that the reconciliation covers everyone.
  const [, alice] = await ethers.getSigners();
  return { f, users: [...users, alice] };
}

describe("stateful fuzzing of the vault", function () {
  this.timeout(60 * 60 * 1000);

  it(`keeps its invariants over ${RUNS} random sequences of up to ${STEPS} steps`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: STEPS }), async (cmds) => {
        // A fresh deployment per sequence: the market's JavaScript side tracks its LP positions,
        // which an EVM snapshot revert (loadFixture) would leave out of step with the chain.
        const real = await fuzzFixture();
        await fc.asyncModelRun(() => ({ model: {}, real }), cmds);

        // Calm markets: the pools realigned, prices fresh, unpaused: weights converge.
        if (await real.f.vault.paused()) await real.f.vault.unpause();
        await real.f.market.recenterAllLiquidity();
        await real.f.market.alignAllPools();
        await time.increase(3_600);
        await refreshFeeds(real.f);
        await rebalanceUntilSettled(real.f.market, real.f.vault, 12);
        expect(await real.f.rebalancer.maxDrift()).to.be.lessThanOrEqual(200n);

        // Everyone leaves in kind: always possible, and only dust stays.
        for (const u of real.users) {
          const shares = await real.f.vault.balanceOf(u);
          if (shares > 0n) await real.f.vault.connect(u).redeemInKind(shares, u, u);
        }
        expect(await real.f.vault.totalSupply()).to.equal(0n);
        expect(await real.f.vault.totalAssets()).to.be.lessThan(10_000n); // under a cent
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  });
});
