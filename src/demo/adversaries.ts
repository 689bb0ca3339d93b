/**
 * The adversaries of `npm start`: two accounts that play against the vault through the scenario,
 * each measured at the oracle prices at the end of every play (every token in and out, and any
 * shares at NAV per share), before gas.
 *
 * - The oracle front-runner sees each step's last feed update coming before the feeds and the
 *   pools show it (as a searcher who watches the market elsewhere and orders its deposit before the
 *   arbitrage): the scenario moves the feeds and pools through the rest of the step first, so the
 *   move it foresees is at most each feed's deviation threshold, as a real feed's next update is.
 *   Before a step that lifts the basket it deposits (`frontRunPct` of NAV) and
 *   after it exits, by turns with a base `redeem` and with `redeemInKind` plus selling the legs at
 *   the pools. Before a step that lowers the basket it exits its standing holding (taken with the
 *   opening deposits) and re-enters after; that play is measured against staying.
 * - The rebalance sandwicher waits for the keeper: when a rebalance is due it pushes the first
 *   pool of the largest leg's route against the vault (the asset the vault sells down, or buys up),
 *   by `sandwichBps` (within the vault's pool-gap tolerance) and, every other time, ten times as
 *   far; the keeper's turn runs; then it sells back exactly what its push bought (the price impact
 *   of the vault's own trade is left to the market's arbitrageur: it is the rebalance's quoted cost).
 *
 * Refusals are the vault's own answers, decoded by src/ops/errors (the operator commands' decoder).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { formatUnits, MaxUint256, parseUnits } from "ethers";
import type { ContractTransactionResponse, Interface } from "ethers";

import { describeError } from "../shared/revert";
import { assetRoutes } from "../vault/routes";
import type { LocalMarket, MarketPool, MarketToken } from "../market";
import type { BallastRebalancer, BallastVault } from "../../typechain-types";

import { Arbitrageur } from "./arbitrage";
import type { AdversaryAttempt, AdversaryReport, AdversarySummary } from "./types";

/** Every other sandwich pushes this many times further than the small push. */
export const BIG_PUSH_FACTOR = 10;
/** Gas limit of the adversaries' vault calls: explicit, so that no estimate runs each call twice. */
const VAULT_GAS_LIMIT = 6_000_000n;

/** What the adversaries see of the scenario. */
export interface Arena {
  market: LocalMarket;
  vault: BallastVault;
  /** The vault's rebalancer: status, weights, and the keeper's call the sandwicher front-runs. */
  rebalancer: BallastRebalancer;
  /** The basket's tokens, base first. */
  tokens: readonly MarketToken[];
  /** Every pool of the vault's routes (the adversaries trade only these). */
  routePools: readonly MarketPool[];
  /** The first pool of each risky asset's sell route, by symbol: where its legs trade first. */
  legPools: ReadonlyMap<string, MarketPool>;
  /** USD price every feed answers now. */
  price(symbol: string): number;
  /** Hours since the scenario's start, now. */
  hour(): Promise<number>;
  gasCostUsd(gas: number): number;
  /** The ABIs that name the vault's refusals (vault, rebalancer, policy). */
  interfaces: readonly Interface[];
}

/** Token balances (basket order) and vault shares of an account at a moment. */
interface Holdings {
  balances: bigint[];
  shares: bigint;
}

/** An adversary's account: its trades, its vault calls, and its P&L since a moment. */
class Player {
  gasUsed = 0n;

  private constructor(
    readonly arena: Arena,
    readonly signer: HardhatEthersSigner,
    /** Trades pools to a price from its own balances (funded and approved once). */
    readonly trader: Arbitrageur,
  ) {}

  static async create(arena: Arena, signer: HardhatEthersSigner): Promise<Player> {
    const trader = await Arbitrageur.create(arena.market, signer, arena.routePools);
    const base = arena.tokens[0];
    await (await base.contract.connect(signer).approve(await arena.vault.getAddress(), MaxUint256)).wait();
    return new Player(arena, signer, trader);
  }

  get vault(): BallastVault {
    return this.arena.vault.connect(this.signer);
  }

  async holdings(): Promise<Holdings> {
    const balances = await Promise.all(this.arena.tokens.map((t) => t.contract.balanceOf(this.signer.address)));
    return { balances, shares: await this.arena.vault.balanceOf(this.signer.address) };
  }

  /** NAV per share now (oracle prices), USD. */
  async navPerShare(): Promise<number> {
    const [nav, supply] = await Promise.all([this.arena.vault.totalAssets(), this.arena.vault.totalSupply()]);
    if (supply === 0n) return 0;
    return Number(formatUnits(nav, this.arena.tokens[0].decimals)) / Number(formatUnits(supply, 18));
  }

  /** USD value of `amount` raw units of basket token `i` at its feed price. */
  value(i: number, amount: bigint): number {
    const token = this.arena.tokens[i];
    return Number(formatUnits(amount, token.decimals)) * this.arena.price(token.symbol);
  }

  /** Profit since `start` at the feed prices now: every balance's change, and the shares' at NAV per share. */
  async pnlSince(start: Holdings): Promise<number> {
    const now = await this.holdings();
    const tokens = now.balances.reduce((sum, balance, i) => sum + this.value(i, balance - start.balances[i]), 0);
    const shares = Number(formatUnits(now.shares - start.shares, 18));
    return tokens + (shares === 0 ? 0 : shares * (await this.navPerShare()));
  }

  /** Sends a vault call and waits for it; undefined when it went through, else the decoded refusal. */
  async call(send: () => Promise<ContractTransactionResponse>): Promise<string | undefined> {
    try {
      const receipt = await (await send()).wait();
      this.gasUsed += receipt?.gasUsed ?? 0n;
      return undefined;
    } catch (error) {
      return describeError(error, this.arena.interfaces);
    }
  }

  /** Trades `pool` to the feeds, `symbol` at `factor` times its feed (1: back to the feeds). */
  async push(pool: MarketPool, symbol: string, factor: number): Promise<void> {
    const priceOf = (s: string) => (s === symbol ? this.arena.price(s) * factor : this.arena.price(s));
    this.gasUsed += await this.trader.trade(pool, priceOf);
  }

  /** Sells exactly `amountIn` of `tokenIn` into `pool` (for the other token), whatever the price. */
  async swap(pool: MarketPool, tokenIn: MarketToken, amountIn: bigint): Promise<void> {
    if (amountIn <= 0n) return;
    const tokenOut = tokenIn.address === pool.token0.address ? pool.token1 : pool.token0;
    const router = this.arena.market.router.connect(this.signer);
    const params = {
      tokenIn: tokenIn.address,
      tokenOut: tokenOut.address,
      fee: pool.fee,
      recipient: this.signer.address,
      deadline: MaxUint256,
      amountIn,
      amountOutMinimum: 0,
      sqrtPriceLimitX96: 0,
    };
    const receipt = await (await router.exactInputSingle(params, { gasLimit: VAULT_GAS_LIMIT })).wait();
    this.gasUsed += receipt?.gasUsed ?? 0n;
  }

  /** Deposits `usd` of the base asset; the decoded refusal, if any. */
  deposit(usd: number): Promise<string | undefined> {
    const amount = parseUnits(usd.toFixed(this.arena.tokens[0].decimals), this.arena.tokens[0].decimals);
    return this.call(() => this.vault.deposit(amount, this.signer.address, { gasLimit: VAULT_GAS_LIMIT }));
  }

  /** Exits `shares`: a base redeem, or in kind with every leg sold at the pools along the vault's sell route. */
  async exit(shares: bigint, inKind: boolean): Promise<string | undefined> {
    const me = this.signer.address;
    if (!inKind) return this.call(() => this.vault.redeem(shares, me, me, { gasLimit: VAULT_GAS_LIMIT }));
    const before = await this.holdings();
    const refused = await this.call(() => this.vault.redeemInKind(shares, me, me, { gasLimit: VAULT_GAS_LIMIT }));
    if (refused !== undefined) return refused;
    const after = await this.holdings();
    const router = this.arena.market.router.connect(this.signer);
    for (const [i, token] of this.arena.tokens.entries()) {
      const amountIn = after.balances[i] - before.balances[i];
      if (i === 0 || amountIn <= 0n) continue;
      const [path] = await assetRoutes(this.arena.vault, token.address);
      const params = { path, recipient: me, deadline: MaxUint256, amountIn, amountOutMinimum: 0 };
      const receipt = await (await router.exactInput(params, { gasLimit: VAULT_GAS_LIMIT })).wait();
      this.gasUsed += receipt?.gasUsed ?? 0n;
    }
    return undefined;
  }
}

/** The record of a play under way. */
interface Play {
  start: Holdings;
  hour: number;
  play: string;
  edgeBps: number;
  sizeUsd: number;
  refused?: string;
  gasBefore: bigint;
}

abstract class Adversary {
  readonly attempts: AdversaryAttempt[] = [];
  protected current: Play | undefined;

  constructor(
    readonly name: AdversaryAttempt["adversary"],
    protected readonly player: Player,
  ) {}

  protected async begin(play: string, edgeBps: number): Promise<Play> {
    const started: Play = {
      start: await this.player.holdings(),
      hour: await this.player.arena.hour(),
      play,
      edgeBps,
      sizeUsd: 0,
      gasBefore: this.player.gasUsed,
    };
    this.current = started;
    return started;
  }

  /** Closes the play under way: its P&L at the prices now. */
  protected async finish(): Promise<AdversaryAttempt | undefined> {
    const play = this.current;
    if (!play) return undefined;
    this.current = undefined;
    const attempt: AdversaryAttempt = {
      hour: play.hour,
      adversary: this.name,
      play: play.play,
      edgeBps: play.edgeBps,
      sizeUsd: play.sizeUsd,
      pnlUsd: await this.player.pnlSince(play.start),
      ...(play.refused === undefined ? {} : { refused: play.refused }),
      gasUsed: Number(this.player.gasUsed - play.gasBefore),
    };
    this.attempts.push(attempt);
    return attempt;
  }

  summary(): AdversarySummary {
    const refusedBy: Record<string, number> = {};
    for (const a of this.attempts) {
      if (a.refused === undefined) continue;
      const name = a.refused.replace(/\(.*$/, "");
      refusedBy[name] = (refusedBy[name] ?? 0) + 1;
    }
    const gasUsed = this.attempts.reduce((sum, a) => sum + a.gasUsed, 0);
    return {
      adversary: this.name,
      attempts: this.attempts.length,
      refusals: this.attempts.filter((a) => a.refused !== undefined).length,
      refusedBy,
      pnlUsd: this.attempts.reduce((sum, a) => sum + a.pnlUsd, 0),
      bestUsd: this.attempts.length === 0 ? 0 : Math.max(...this.attempts.map((a) => a.pnlUsd)),
      gasUsed,
      gasCostUsd: this.player.arena.gasCostUsd(gasUsed),
    };
  }
}

/** The oracle front-runner (see the module's comment). */
export class FrontRunner extends Adversary {
  /** Shares of its standing holding (the down plays exit and re-enter it). */
  private standing = 0n;
  private direction: "up" | "down" | undefined;
  private exits = 0;

  constructor(
    player: Player,
    private readonly stakePct: number,
    /** It plays steps that move the basket (at the vault's current weights) at least this much, bps. */
    private readonly minStepBps: number,
  ) {
    super("front-runner", player);
  }

  /** Its standing holding, deposited with the opening deposits (`stakePct` of `openingUsd`). */
  async openHolding(openingUsd: number): Promise<void> {
    const before = await this.player.arena.vault.balanceOf(this.player.signer.address);
    const refused = await this.player.deposit((openingUsd * this.stakePct) / 100);
    if (refused !== undefined) throw new Error(`the front-runner's opening deposit was refused: ${refused}`);
    this.standing = (await this.player.arena.vault.balanceOf(this.player.signer.address)) - before;
  }

  /** Before the feeds publish `next` (USD by symbol): enters before a step up, leaves before a step down. */
  async beforeStep(next: ReadonlyMap<string, number>): Promise<void> {
    const { rebalancer, tokens, price } = this.player.arena;
    const weights = await rebalancer.currentWeights();
    let stepBps = 0;
    for (const [i, token] of tokens.entries()) {
      const to = next.get(token.symbol);
      if (i > 0 && to !== undefined) stepBps += Number(weights[i]) * (to / price(token.symbol) - 1);
    }
    // The exits take turns: a base redeem, then in kind.
    const exitName = this.exits % 2 === 1 ? "redeemInKind + sell" : "redeem";
    if (stepBps >= this.minStepBps) {
      this.exits++;
      const play = await this.begin(`up: deposit -> ${exitName}`, stepBps);
      play.sizeUsd =
        (Number(formatUnits(await this.player.arena.vault.totalAssets(), tokens[0].decimals)) * this.stakePct) / 100;
      play.refused = await this.player.deposit(play.sizeUsd);
      this.direction = "up";
    } else if (stepBps <= -this.minStepBps && this.standing > 0n) {
      this.exits++;
      const play = await this.begin(`down: ${exitName} -> deposit`, stepBps);
      play.sizeUsd = Number(formatUnits(this.standing, 18)) * (await this.player.navPerShare());
      play.refused = await this.player.exit(this.standing, exitName !== "redeem");
      this.direction = "down";
    }
  }

  /** After the step (feeds published, pools realigned): the other half of the play, then its P&L. */
  async afterStep(): Promise<AdversaryAttempt | undefined> {
    const play = this.current;
    if (!play) return undefined;
    const inKind = play.play.includes("InKind");
    if (this.direction === "up") {
      const shares = (await this.player.arena.vault.balanceOf(this.player.signer.address)) - this.standing;
      if (shares > 0n) play.refused ??= await this.player.exit(shares, inKind);
    } else if (play.refused === undefined) {
      // Back in with all the base asset the exit brought (a standing holder that dodged the step).
      const base = this.player.arena.tokens[0];
      const gained = (await this.player.holdings()).balances[0] - play.start.balances[0];
      if (gained > 0n) {
        const before = await this.player.arena.vault.balanceOf(this.player.signer.address);
        play.refused = await this.player.deposit(Number(formatUnits(gained, base.decimals)));
        const after = await this.player.arena.vault.balanceOf(this.player.signer.address);
        this.standing = after - before;
      }
    }
    this.direction = undefined;
    return this.finish();
  }
}

/** The rebalance sandwicher (see the module's comment). */
export class Sandwicher extends Adversary {
  /** Each push's pool and what it bought (the token and amount the unwind sells back). */
  private pushed: { pool: MarketPool; bought: MarketToken; amount: bigint }[] = [];
  private plays = 0;

  constructor(
    player: Player,
    private readonly pushBps: number,
  ) {
    super("sandwicher", player);
  }

  /**
   * Right before the keeper's rebalance (status Due): pushes each leg's first pool against the
   * vault, then asks the vault (a static call of `rebalance()`) whether it would still trade.
   */
  async front(): Promise<void> {
    if (this.current) return;
    const { vault, rebalancer, tokens, legPools } = this.player.arena;
    const [weights, { targets }, [, , band]] = await Promise.all([
      rebalancer.currentWeights(),
      vault.basketState(),
      rebalancer.rebalanceStatus(),
    ]);
    const big = this.plays % 2 === 1;
    const bps = big ? this.pushBps * BIG_PUSH_FACTOR : this.pushBps;
    // The vault's largest leg: it sells what is above target + band (pushed down first) and buys
    // what is below target - band (pushed up). One pool only: routes share hub pools (WBTC's goes
    // through WETH/USDC), and two pushes on one route would add up past the vault's tolerance.
    let leg: { pool: MarketPool; symbol: string; factor: number; drift: bigint } | undefined;
    for (const [i, token] of tokens.entries()) {
      const pool = legPools.get(token.symbol);
      const drift = weights[i] > targets[i] ? weights[i] - targets[i] : targets[i] - weights[i];
      if (i === 0 || !pool || drift <= band || (leg && leg.drift >= drift)) continue;
      const factor = weights[i] > targets[i] ? 1 - bps / 10_000 : 1 + bps / 10_000;
      leg = { pool, symbol: token.symbol, factor, drift };
    }
    if (!leg) return;
    this.plays++;
    const legs = [leg];
    const play = await this.begin(
      `push ${bps} bp: ${legs.map((l) => `${l.symbol} ${l.factor < 1 ? "down" : "up"}`).join(", ")}`,
      bps,
    );
    for (const leg of legs) {
      const before = await this.player.holdings();
      await this.player.push(leg.pool, leg.symbol, leg.factor);
      const after = await this.player.holdings();
      // What the push bought: the unwind sells exactly that back, so that the play measures the
      // sandwich alone (trading the pool on to the feeds would also take the vault's own price
      // impact, which is the arbitrageurs' in any case and the rebalance's quoted cost).
      for (const [i, token] of this.player.arena.tokens.entries()) {
        const gained = after.balances[i] - before.balances[i];
        const inPool = token.address === leg.pool.token0.address || token.address === leg.pool.token1.address;
        if (gained > 0n && inPool) this.pushed.push({ pool: leg.pool, bought: token, amount: gained });
      }
    }
    const after = await this.player.holdings();
    play.sizeUsd = after.balances.reduce(
      (sum, balance, i) => sum + Math.max(0, this.player.value(i, play.start.balances[i] - balance)),
      0,
    );
    try {
      const trades = await rebalancer.connect(this.player.signer).rebalance.staticCall();
      if (trades === 0n) play.refused = "NoTrade(breaker or cost gate)";
    } catch (error) {
      play.refused = describeError(error, this.player.arena.interfaces);
    }
  }

  /** Right after the keeper's rebalance (or its refusal): sells back what each push bought. */
  async back(): Promise<AdversaryAttempt | undefined> {
    if (!this.current) return undefined;
    for (const { pool, bought, amount } of this.pushed) await this.player.swap(pool, bought, amount);
    this.pushed = [];
    return this.finish();
  }
}

/** Both adversaries, and their report. */
export class Adversaries {
  private constructor(
    readonly frontRunner: FrontRunner,
    readonly sandwicher: Sandwicher,
    private readonly description: string,
  ) {}

  static async create(
    arena: Arena,
    signers: { frontRunner: HardhatEthersSigner; sandwicher: HardhatEthersSigner },
    options: { frontRunPct: number; frontRunMinBps: number; sandwichBps: number },
  ): Promise<Adversaries> {
    const frontRunner = new FrontRunner(
      await Player.create(arena, signers.frontRunner),
      options.frontRunPct,
      options.frontRunMinBps,
    );
    const sandwicher = new Sandwicher(await Player.create(arena, signers.sandwicher), options.sandwichBps);
    const description =
      `oracle front-runner: ${options.frontRunPct}% of NAV in before each basket step up of ${options.frontRunMinBps} bp or more ` +
      `and out after (base redeem and redeemInKind + selling the legs, by turns); its standing holding ` +
      `(${options.frontRunPct}% of the opening deposits) out before each step down as large and back in after (P&L vs staying). ` +
      `Rebalance sandwicher: pushes the largest leg's pool against the vault by ${options.sandwichBps} bp ` +
      `(every other time ${options.sandwichBps * BIG_PUSH_FACTOR} bp) before the keeper's rebalance, sells back what the push bought after. ` +
      `P&L at the oracle prices at the end of each play, every token in and out, before gas`;
    return new Adversaries(frontRunner, sandwicher, description);
  }

  /** Both adversaries' P&L so far, USD. */
  pnlUsd(): number {
    return [...this.frontRunner.attempts, ...this.sandwicher.attempts].reduce((sum, a) => sum + a.pnlUsd, 0);
  }

  report(): AdversaryReport {
    const attempts = [...this.frontRunner.attempts, ...this.sandwicher.attempts].sort((a, b) => a.hour - b.hour);
    return {
      description: this.description,
      attempts,
      summaries: [this.frontRunner.summary(), this.sandwicher.summary()],
    };
  }
}
