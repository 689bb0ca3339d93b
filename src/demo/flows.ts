/**
 * The depositors of a scenario: they come and go at random (deposits, exits in USDC and in kind),
 * sized on the opening deposits so that NAV neither drains nor balloons. Each flow records what
 * the vault charged it (the entry or exit price's flow cost and fee, left with the holders who
 * stay), which `<name>.flows.csv` gives the lab (src/demo/labReplay.ts).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { formatUnits, MaxUint256, parseUnits } from "ethers";
import type { ContractTransactionReceipt } from "ethers";

import type { LocalMarket, MarketToken } from "../market";
import type { BallastVault } from "../../typechain-types";
import { Rng } from "../sim/random";

import type { ScenarioClock } from "./clock";
import type { MarketActors } from "./marketActors";
import { errorMessage, mined, parsedLogs } from "./receipts";
import { BASE_SYMBOL } from "./scenarios";
import type { FlowRecord } from "./types";

/** Share of the opening deposit each of the first two depositors makes. */
const OPENING_SHARES = [0.6, 0.4];
export const DEPOSITOR_NAMES = ["alice", "bob", "carol", "dave"];

/** A depositor: a Hardhat signer with a name for the report. */
export interface Depositor {
  name: string;
  signer: HardhatEthersSigner;
}

/**
 * A flow's size as a fraction of the opening deposit: log-uniform from 0.25% to 6%, small ones
 * more frequent. The largest move the base asset's weight by ~5 points, past the trigger band, so
 * flows cause some rebalances and the market the others.
 */
function flowSize(rng: Rng): number {
  return rng.logUniform(0.0025, 0.06);
}

export class Depositors {
  private readonly rng: Rng;

  constructor(
    private readonly chain: { market: LocalMarket; vault: BallastVault; vaultAddress: string; tokens: MarketToken[] },
    private readonly accounts: readonly Depositor[],
    private readonly actors: MarketActors,
    private readonly clock: ScenarioClock,
    /** The opening deposits, USD: what flows are sized on. */
    private readonly openingUsd: number,
    seed: number,
    private readonly records: FlowRecord[],
  ) {
    this.rng = new Rng(seed).fork("flows");
  }

  /** Every depositor approves the vault; the first two make the opening deposits. */
  async open(): Promise<void> {
    const usdc = this.chain.market.token(BASE_SYMBOL).contract;
    for (const { signer } of this.accounts)
      await mined(usdc.connect(signer).approve(this.chain.vaultAddress, MaxUint256));
    for (const [i, share] of OPENING_SHARES.entries()) {
      await this.depositUsd(this.accounts[i], Math.round(this.openingUsd * share));
    }
  }

  /** A step's flows: a Poisson number of random actions, `perDay` a day on average. */
  async step(perDay: number, stepHours: number): Promise<void> {
    const count = this.rng.poisson((perDay * stepHours) / 24);
    for (let i = 0; i < count; i++) await this.randomFlow();
  }

  /** One random depositor action: a deposit, or an exit in USDC or in kind. */
  private async randomFlow(): Promise<void> {
    const rng = this.rng;
    const depositor = rng.pick(this.accounts);
    const shares = await this.chain.vault.balanceOf(depositor.signer.address);
    const roll = rng.uniform();
    if (shares === 0n || roll < 0.55) {
      await this.depositUsd(depositor, Math.round(flowSize(rng) * this.openingUsd));
    } else {
      // Exits are sized like deposits (so NAV neither drains nor balloons), capped at the holding.
      const value = flowSize(rng) * this.openingUsd;
      const wanted = await this.chain.vault.convertToShares(
        parseUnits(value.toFixed(6), this.chain.tokens[0].decimals),
      );
      await this.redeem(depositor, wanted < shares ? wanted : shares, roll < 0.85 ? "redeem" : "redeemInKind");
    }
  }

  /**
   * A flow's accounting at the oracle NAV (the NAV the report and the lab measure): what its
   * shares were worth just before it (`value`, at the block before its own, so at the supply and
   * NAV it met) and how much the NAV changed with it (`navChange`, negative for an exit), both USD
   * at the base asset's $1. Their difference is what the vault charged the flow: a deposit adds
   * its payment but mints shares worth less; an exit takes out less than its shares were worth.
   */
  private async accounting(
    receipt: ContractTransactionReceipt,
    shares: bigint,
  ): Promise<{ value: number; navChange: number }> {
    const vault = this.chain.vault;
    const before = { blockTag: receipt.blockNumber - 1 };
    const [value, navBefore, navAfter] = await Promise.all([
      vault.convertToAssets(shares, before),
      vault.totalAssets(before),
      vault.totalAssets({ blockTag: receipt.blockNumber }),
    ]);
    const decimals = this.chain.tokens[0].decimals;
    return {
      value: Number(formatUnits(value, decimals)),
      navChange: Number(formatUnits(navAfter - navBefore, decimals)),
    };
  }

  private async depositUsd(depositor: Depositor, amountUsd: number): Promise<void> {
    const hour = await this.clock.recordTime();
    const amount = parseUnits(String(amountUsd), this.chain.tokens[0].decimals);
    const address = depositor.signer.address;
    await this.chain.market.fund(address, BASE_SYMBOL, amount);
    const record: FlowRecord = {
      hour,
      account: depositor.name,
      kind: "deposit",
      usd: amountUsd,
      shares: 0,
      valueUsd: 0,
      chargeUsd: 0,
      swaps: 0,
      gasUsed: 0,
    };
    try {
      const receipt = await mined(this.chain.vault.connect(depositor.signer).deposit(amount, address));
      const event = parsedLogs(receipt, this.chain.vaultAddress, this.chain.vault.interface).find(
        (e) => e.name === "Deposit",
      );
      const shares = event ? (event.args.shares as bigint) : 0n;
      record.shares = Number(formatUnits(shares, 18));
      record.gasUsed = Number(receipt.gasUsed);
      const { value, navChange } = await this.accounting(receipt, shares);
      record.valueUsd = value;
      record.chargeUsd = navChange - value;
    } catch (error) {
      record.error = errorMessage(error);
    }
    this.records.push(record);
  }

  private async redeem(depositor: Depositor, shares: bigint, kind: "redeem" | "redeemInKind"): Promise<void> {
    const hour = await this.clock.recordTime();
    const address = depositor.signer.address;
    const record: FlowRecord = {
      hour,
      account: depositor.name,
      kind,
      usd: 0,
      shares: Number(formatUnits(shares, 18)),
      valueUsd: 0,
      chargeUsd: 0,
      swaps: 0,
      gasUsed: 0,
    };
    try {
      const vault = this.chain.vault.connect(depositor.signer);
      const receipt = await mined(
        kind === "redeem" ? vault.redeem(shares, address, address) : vault.redeemInKind(shares, address, address),
      );
      const events = parsedLogs(receipt, this.chain.vaultAddress, this.chain.vault.interface);
      record.gasUsed = Number(receipt.gasUsed);
      const { value, navChange } = await this.accounting(receipt, shares);
      record.valueUsd = value;
      // The NAV falls by what left the vault: base paid out and slices sold (at the oracle), or
      // the slices taken in kind; what the shares were worth beyond that stayed.
      record.chargeUsd = value + navChange;
      record.swaps = events.filter((e) => e.name === "Swapped").length;
      if (kind === "redeem") {
        const withdraw = events.find((e) => e.name === "Withdraw");
        record.usd = withdraw ? Number(formatUnits(withdraw.args.assets as bigint, this.chain.tokens[0].decimals)) : 0;
      } else {
        const inKind = events.find((e) => e.name === "RedeemedInKind");
        const amounts = inKind ? (inKind.args.amounts as bigint[]) : [];
        record.usd = amounts.reduce(
          (sum, amount, i) =>
            sum +
            Number(formatUnits(amount, this.chain.tokens[i].decimals)) * this.actors.price(this.chain.tokens[i].symbol),
          0,
        );
      }
      // An exit in USDC sold slices of the basket through the pools: the arbitrageur restores them.
      if (record.swaps > 0) await this.actors.alignPools();
    } catch (error) {
      record.error = errorMessage(error);
    }
    this.records.push(record);
  }
}
