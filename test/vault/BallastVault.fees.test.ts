import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, parseUnits, ZeroAddress, ZeroHash } from "ethers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";

import { FeeMathHarness__factory, FeeMath__factory, IERC20__factory } from "../../typechain-types";
import type { FeeMathHarness, IERC20 } from "../../typechain-types";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { Parameter } from "../../src/vault/enums";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { entryCharge, exitFlowCost, flowCost, flowValuation } from "../shared/flow";
import type { FlowValuation } from "../shared/flow";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";

type FeeParams = IBallastVault.FeeParamsStruct;

const DAY = 24 * 60 * 60;
const YEAR = 365 * DAY;
const BPS = 10_000n;
/** `10 ** decimalsOffset`: USDC has 6 decimals, shares 18. */
const VIRTUAL_SHARES = 10n ** 12n;
const SYMBOLS = ["USDC", "WETH", "WBTC", "LINK"] as const;

const MAX_MANAGEMENT_BPS = 500n;
const MAX_FLOW_BPS = 100n;
/** Fee rates of the tests: odd values, so that every rounding shows. */
const ENTRY_BPS = 75n;
const EXIT_BPS = 60n;
const MANAGEMENT_BPS = 200n;

/** Raw USDC units of `amount` whole USDC. */
const usdc = (amount: number | string): bigint => parseUnits(String(amount), 6);

interface Fixture extends VaultFixture {
  admin: HardhatEthersSigner;
  /** Deposited $500k in the fixture. */
  alice: HardhatEthersSigner;
  /** Deposited $300k in the fixture. */
  bob: HardhatEthersSigner;
  /** Holds $1M of USDC, the vault approved for all of it; no shares. */
  carol: HardhatEthersSigner;
  /** The management fee's recipient. */
  treasury: HardhatEthersSigner;
  /** No role, no shares. */
  stranger: HardhatEthersSigner;
  usdc: IERC20;
  /** The basket tokens as IERC20, in basket order. */
  tokens: IERC20[];
  /** FeeMath (the library the vault links) behind a harness: the management fee's reference. */
  feeMath: FeeMathHarness;
}

interface ManagementFixture extends Fixture {
  /** Timestamp of the block that set the management fee (its accrual clock starts there). */
  feesSetAt: number;
}

async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt;
}

async function timestampOf(receipt: ContractTransactionReceipt): Promise<number> {
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (!block) throw new Error(`no block ${receipt.blockNumber}`);
  return block.timestamp;
}

const feeParams = (p: Partial<FeeParams>): FeeParams => ({
  managementFeeBps: 0n,
  entryFeeBps: 0n,
  exitFeeBps: 0n,
  recipient: ZeroAddress,
  ...p,
});

/** A fee struct as event arguments and return values present it (field order of the struct). */
function tuple(p: FeeParams): [bigint, bigint, bigint, string] {
  return [BigInt(p.managementFeeBps), BigInt(p.entryFeeBps), BigInt(p.exitFeeBps), String(p.recipient)];
}

/** Sets the fees as the admin; returns the timestamp of the block that did. */
async function setFees(f: Fixture, p: Partial<FeeParams>): Promise<number> {
  return timestampOf(await mined(f.vault.connect(f.admin).setFeeParams(feeParams(p))));
}

/** Reports every basket feed again at its current answer (the chain moved past a heartbeat). */
async function refreshFeeds(f: Fixture): Promise<void> {
  for (const symbol of SYMBOLS) {
    const feed = f.market.token(symbol).feed;
    const [, answer] = await feed.latestRoundData();
    await mined(feed.connect(f.market.deployer).setAnswer(answer));
  }
}

/** Lets `seconds` pass, then refreshes the feeds (at unchanged prices) so that entries and exits work. */
async function passTime(f: Fixture, seconds: number): Promise<void> {
  await time.increase(seconds);
  await refreshFeeds(f);
}

/**
 * Fixes the timestamp of the next block. Views called with `{ blockTag: "pending" }` then run in
 * that block's context, with the current state: exactly what the next transaction sees first.
 */
async function pinNextBlock(): Promise<number> {
  const t = (await time.latest()) + 5;
  await time.setNextBlockTimestamp(t);
  return t;
}

const PENDING = { blockTag: "pending" } as const;

// --- Off-chain model ----------------------------------------------------------------------------

const ceilDiv = (x: bigint, d: bigint): bigint => (x + d - 1n) / d;
const mulDiv = (x: bigint, y: bigint, d: bigint, up = false): bigint => (up ? ceilDiv(x * y, d) : (x * y) / d);

/**
 * The management fee's shares, `supply * ((1 - rate)^(-dt / year) - 1)` capped at `supply`, as
 * FeeMath computes them (exactly: through the library the vault links, whose own tests check it
 * against a high-precision reference); checked here against the closed form in floating point.
 */
async function pendingShares(f: Fixture, totalSupply: bigint, rateBps: bigint, seconds: number): Promise<bigint> {
  const shares = await f.feeMath.feeShares(totalSupply, rateBps, seconds);
  const factor = Math.min(Math.pow(1 - Number(rateBps) / 10_000, -seconds / YEAR) - 1, 1);
  const approx = BigInt(Math.floor(factor * 1e15));
  expect(shares * 10n ** 15n).to.be.closeTo(totalSupply * approx, totalSupply * 2n + totalSupply / 10n ** 3n);
  return shares;
}

interface Snapshot {
  /** Oracle NAV, each value rounded down. */
  nav: bigint;
  /** NAV plus one unit per non-base asset held (each value rounded up). */
  navCeil: bigint;
  totalSupply: bigint;
  /** The supply conversions divide by: minted, pending management-fee and virtual shares. */
  supply: bigint;
  /** Basket balances, base first. */
  balances: bigint[];
  /** The valuations entries and exits are priced at (the worse of oracle and pools, with the flow cost). */
  entry: FlowValuation;
  exit: FlowValuation;
}

/** The vault's accounting at the latest block or, with {@link PENDING}, at the next one. */
async function snapshot(
  f: Fixture,
  overrides: { blockTag: "latest" | "pending" } = { blockTag: "latest" },
): Promise<Snapshot> {
  const nav = await f.vault.totalAssets(overrides);
  const totalSupply = await f.vault.totalSupply(overrides);
  const pending = await f.vault.pendingFeeShares(overrides);
  const balances: bigint[] = [];
  for (const token of f.tokens) balances.push(await token.balanceOf(f.vault, overrides));
  const held = balances.slice(1).filter((b) => b !== 0n).length;
  const s: Snapshot = {
    nav,
    navCeil: nav + BigInt(held),
    totalSupply,
    supply: totalSupply + pending + VIRTUAL_SHARES,
    balances,
    entry: await flowValuation(f.vault, "entry"),
    exit: await flowValuation(f.vault, "exit"),
  };
  return s;
}

/** The entry fee a deposit of `assets` is charged: `ceil(assets * fee / (BPS + fee))`. */
const entryFee = (assets: bigint, feeBps: bigint): bigint => ceilDiv(assets * feeBps, BPS + feeBps);

/**
 * Shares a deposit of `assets` mints: the assets less `ceil(assets * fee / (BPS + fee))`, less the
 * flow cost of investing the rest, at the entry NAV rounded up.
 */
function depositShares(s: Snapshot, assets: bigint, feeBps: bigint): bigint {
  const net = assets - entryFee(assets, feeBps);
  return mulDiv(net - flowCost(s.entry, net), s.supply, s.entry.navCeil + 1n);
}

/** The value of `shares` at the entry NAV rounded up, rounded up. */
const mintValue = (s: Snapshot, shares: bigint): bigint => mulDiv(shares, s.entry.navCeil + 1n, s.supply, true);

/** What a mint of `shares` takes before the fee: their value plus the flow cost of the whole payment. */
function mintPayment(s: Snapshot, shares: bigint): bigint {
  const value = mintValue(s, shares);
  const first = flowCost(s.entry, value);
  const second = flowCost(s.entry, value + first);
  return value + 2n * second - first;
}

/** Assets a mint of `shares` takes: the payment plus `ceil(payment * fee / BPS)`. */
function mintAssets(s: Snapshot, shares: bigint, feeBps: bigint): bigint {
  const payment = mintPayment(s, shares);
  return payment + ceilDiv(payment * feeBps, BPS);
}

/** The value of `shares` at the exit NAV rounded down, rounded down: what an exit is worth before the fee. */
const exitValue = (s: Snapshot, shares: bigint): bigint => mulDiv(shares, s.exit.nav + 1n, s.supply);

/** The value of `shares` less the exit fee `ceil(value * fee / (BPS + fee))`. */
function afterExitFee(s: Snapshot, shares: bigint, feeBps: bigint): bigint {
  const value = exitValue(s, shares);
  return value - ceilDiv(value * feeBps, BPS + feeBps);
}

/** What a redeem of `shares` pays while the base balance covers it: the value less the fee, less the flow cost. */
function redeemAssets(s: Snapshot, shares: bigint, feeBps: bigint): bigint {
  const value = afterExitFee(s, shares, feeBps);
  return value - exitFlowCost(s.exit, value);
}

/**
 * Shares a withdraw of `assets` within the base balance burns: `assets + ceil(assets * fee / BPS)`
 * plus the flow cost of buying the base back, at the exit NAV rounded up.
 */
const withdrawShares = (s: Snapshot, assets: bigint, feeBps: bigint): bigint =>
  mulDiv(assets + ceilDiv(assets * feeBps, BPS) + exitFlowCost(s.exit, assets), s.supply, s.exit.nav + 1n, true);

/** Pro-rata amounts of every basket asset for `shares`, rounded down. */
const inKind = (s: Snapshot, shares: bigint): bigint[] => s.balances.map((b) => mulDiv(shares, b, s.supply));

// --- Fixtures ------------------------------------------------------------------------------------

/**
 * The invested four-asset vault with a direct admin: alice's $500k and bob's $300k, invested at the
 * target weights (about $40k of USDC held); carol holds $1M of USDC, approved; no fees.
 */
async function feesFixture(): Promise<Fixture> {
  const f = await investedAdminFixture();
  const [admin, alice, bob, carol, treasury, stranger] = await ethers.getSigners();
  const tokens = SYMBOLS.map((s) => IERC20__factory.connect(f.market.token(s).address, ethers.provider));
  await depositUsdc(f.market, f.vault, bob, 300_000);
  await rebalanceUntilSettled(f.market, f.vault);
  await f.market.fund(carol.address, "USDC", usdc(1_000_000));
  await mined(tokens[0].connect(carol).approve(f.vault, MaxUint256));
  const library = await new FeeMath__factory(admin).deploy();
  const feeMath = await new FeeMathHarness__factory(
    { "contracts/libraries/FeeMath.sol:FeeMath": await library.getAddress() },
    admin,
  ).deploy();
  return { ...f, admin, alice, bob, carol, treasury, stranger, usdc: tokens[0], tokens, feeMath };
}

/** The same with an entry fee of 75 bps. */
async function entryFeeFixture(): Promise<Fixture> {
  const f = await feesFixture();
  await setFees(f, { entryFeeBps: ENTRY_BPS });
  return f;
}

/** The same with carol's $20k deposit (held as USDC), then an exit fee of 60 bps. */
async function exitFeeFixture(): Promise<Fixture> {
  const f = await feesFixture();
  await mined(f.vault.connect(f.carol).deposit(usdc(20_000), f.carol.address));
  await setFees(f, { exitFeeBps: EXIT_BPS });
  return f;
}

/** The same as {@link feesFixture} with a management fee of 200 bps a year to the treasury. */
async function managementFeeFixture(): Promise<ManagementFixture> {
  const f = await feesFixture();
  const feesSetAt = await setFees(f, { managementFeeBps: MANAGEMENT_BPS, recipient: f.treasury.address });
  return { ...f, feesSetAt };
}

describe("BallastVault fees", () => {
  describe("defaults", () => {
    it("feeParams() is all zero and no management fee accrues, even over a year", async () => {
      const f = await loadFixture(feesFixture);
      expect(tuple(await f.vault.feeParams())).to.deep.equal([0n, 0n, 0n, ZeroAddress]);
      expect(await f.vault.pendingFeeShares()).to.equal(0n);
      await time.increase(YEAR);
      expect(await f.vault.pendingFeeShares()).to.equal(0n);
    });

    it("with no fee, the previews are the conversions less exactly the flow cost", async () => {
      const f = await loadFixture(feesFixture);
      const s = await snapshot(f);
      expect(s.supply).to.equal(s.totalSupply + VIRTUAL_SHARES);
      for (const assets of [1n, 999n, usdc("12345.678901"), usdc(250_000)]) {
        const shares = await f.vault.convertToShares(assets);
        const preview = await f.vault.previewDeposit(assets);
        expect(preview).to.equal(depositShares(s, assets, 0n));
        expect(preview).to.be.lessThan(shares);
      }
      for (const shares of [1n, 10n ** 18n + 7n, 12_345n * 10n ** 18n + 6_789n]) {
        const preview = await f.vault.previewMint(shares);
        expect(preview).to.equal(mintAssets(s, shares, 0n));
        expect(preview).to.be.greaterThan(await f.vault.convertToAssets(shares));
      }
      // Exits within the USDC balance: no exit fee, the flow cost of buying the base back.
      for (const assets of [1n, usdc("1234.5678"), usdc(20_000)]) {
        expect(assets).to.be.lessThanOrEqual(s.balances[0]);
        const preview = await f.vault.previewWithdraw(assets);
        expect(preview).to.equal(withdrawShares(s, assets, 0n));
        expect(preview).to.be.greaterThan(await f.vault.convertToShares(assets));
      }
      for (const shares of [10n ** 18n + 7n, 12_345n * 10n ** 18n + 6_789n]) {
        const preview = await f.vault.previewRedeem(shares);
        expect(preview).to.equal(redeemAssets(s, shares, 0n));
        expect(preview).to.be.lessThan(await f.vault.convertToAssets(shares));
      }
    });

    it("a year later, a deposit and a redeem charge only their flow cost and mint no fee shares", async () => {
      const f = await loadFixture(feesFixture);
      await passTime(f, YEAR);
      const assets = usdc(10_000);
      const entry = await snapshot(f);
      const shares = depositShares(entry, assets, 0n);
      expect(await f.vault.previewDeposit(assets)).to.equal(shares);
      const supplyBefore = await f.vault.totalSupply();
      await expect(f.vault.connect(f.carol).deposit(assets, f.carol.address))
        .to.emit(f.vault, "Deposit")
        .withArgs(f.carol.address, f.carol.address, assets, shares)
        .and.not.to.emit(f.vault, "ManagementFeeAccrued");
      expect((await f.vault.totalSupply()) - supplyBefore).to.equal(shares);

      const exit = await snapshot(f);
      const value = redeemAssets(exit, shares, 0n);
      // Only the entry's charge, the exit's flow cost (and the NAV's roundings) separate the value from the deposit.
      const costs = entryCharge(entry.entry, assets, entry.nav) + exitFlowCost(exit.exit, assets);
      expect(value).to.be.lessThan(assets);
      expect(assets - value).to.be.lessThanOrEqual(costs + 5n);
      expect(await f.vault.previewRedeem(shares)).to.equal(value);
      const before = await f.usdc.balanceOf(f.carol.address);
      await expect(f.vault.connect(f.carol).redeem(shares, f.carol.address, f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.carol.address, value, shares)
        .and.not.to.emit(f.vault, "ManagementFeeAccrued");
      expect((await f.usdc.balanceOf(f.carol.address)) - before).to.equal(value);
      expect(await f.vault.totalSupply()).to.equal(supplyBefore);
    });

    it("a management fee set a year after the last fee-less flow runs from when it is set, not from that flow", async () => {
      // With no rate a flow leaves the accrual time as it was: the rate, once set, must not reach back.
      const f = await loadFixture(feesFixture);
      await mined(f.vault.connect(f.carol).deposit(usdc(10_000), f.carol.address));
      await passTime(f, YEAR);
      const setAt = await setFees(f, { managementFeeBps: MANAGEMENT_BPS, recipient: f.treasury.address });
      await passTime(f, 30 * DAY);
      const t = await pinNextBlock();
      const pending = await f.vault.pendingFeeShares(PENDING);
      expect(pending).to.equal(await pendingShares(f, await f.vault.totalSupply(), MANAGEMENT_BPS, t - setAt));
      expect(pending).to.be.greaterThan(0n);
    });
  });

  describe("setFeeParams", () => {
    it("is DEFAULT_ADMIN_ROLE only", async () => {
      const f = await loadFixture(feesFixture);
      const params = feeParams({ managementFeeBps: 100n, recipient: f.treasury.address });
      for (const caller of [f.stranger, f.alice, f.treasury]) {
        await expect(f.vault.connect(caller).setFeeParams(params))
          .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
      await expect(f.vault.connect(f.admin).setFeeParams(params)).not.to.be.reverted;
    });

    it("accepts each fee at its bound and refuses one more, with the parameter, value and range", async () => {
      const f = await loadFixture(feesFixture);
      const recipient = f.treasury.address;
      await expect(f.vault.setFeeParams(feeParams({ managementFeeBps: MAX_MANAGEMENT_BPS + 1n, recipient })))
        .to.be.revertedWithCustomError(f.vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.ManagementFeeBps, MAX_MANAGEMENT_BPS + 1n, 0n, MAX_MANAGEMENT_BPS);
      await expect(f.vault.setFeeParams(feeParams({ managementFeeBps: 65_535n, recipient })))
        .to.be.revertedWithCustomError(f.vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.ManagementFeeBps, 65_535n, 0n, MAX_MANAGEMENT_BPS);
      await expect(f.vault.setFeeParams(feeParams({ entryFeeBps: MAX_FLOW_BPS + 1n })))
        .to.be.revertedWithCustomError(f.vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.EntryFeeBps, MAX_FLOW_BPS + 1n, 0n, MAX_FLOW_BPS);
      await expect(f.vault.setFeeParams(feeParams({ exitFeeBps: MAX_FLOW_BPS + 1n })))
        .to.be.revertedWithCustomError(f.vault, "BallastParameterOutOfRange")
        .withArgs(Parameter.ExitFeeBps, MAX_FLOW_BPS + 1n, 0n, MAX_FLOW_BPS);
      // Each bound is inclusive.
      const max = feeParams({
        managementFeeBps: MAX_MANAGEMENT_BPS,
        entryFeeBps: MAX_FLOW_BPS,
        exitFeeBps: MAX_FLOW_BPS,
        recipient,
      });
      await mined(f.vault.setFeeParams(max));
      expect(tuple(await f.vault.feeParams())).to.deep.equal(tuple(max));
    });

    it("requires a recipient while the management fee is not 0, and only then", async () => {
      const f = await loadFixture(feesFixture);
      await expect(f.vault.setFeeParams(feeParams({ managementFeeBps: 1n }))).to.be.revertedWithCustomError(
        f.vault,
        "BallastZeroAddress",
      );
      await expect(
        f.vault.setFeeParams(feeParams({ managementFeeBps: 1n, entryFeeBps: 10n, exitFeeBps: 10n })),
      ).to.be.revertedWithCustomError(f.vault, "BallastZeroAddress");
      // Entry and exit fees stay in the vault: they need no recipient.
      const flowOnly = feeParams({ entryFeeBps: 10n, exitFeeBps: 20n });
      await mined(f.vault.setFeeParams(flowOnly));
      expect(tuple(await f.vault.feeParams())).to.deep.equal(tuple(flowOnly));
    });

    it("refuses the params already in force", async () => {
      const f = await loadFixture(feesFixture);
      await expect(f.vault.setFeeParams(feeParams({}))).to.be.revertedWithCustomError(
        f.vault,
        "BallastParameterUnchanged",
      );
      const params = feeParams({
        managementFeeBps: 150n,
        entryFeeBps: 5n,
        exitFeeBps: 7n,
        recipient: f.treasury.address,
      });
      await mined(f.vault.setFeeParams(params));
      await expect(f.vault.setFeeParams(params)).to.be.revertedWithCustomError(f.vault, "BallastParameterUnchanged");
      // A new recipient alone is a change.
      await expect(f.vault.setFeeParams({ ...params, recipient: f.stranger.address })).not.to.be.reverted;
    });

    it("emits FeeParamsSet with the old and the new params, and feeParams() returns the new ones", async () => {
      const f = await loadFixture(feesFixture);
      const first = feeParams({
        managementFeeBps: 200n,
        entryFeeBps: 30n,
        exitFeeBps: 40n,
        recipient: f.treasury.address,
      });
      await expect(f.vault.setFeeParams(first))
        .to.emit(f.vault, "FeeParamsSet")
        .withArgs([0n, 0n, 0n, ZeroAddress], tuple(first));
      expect(tuple(await f.vault.feeParams())).to.deep.equal(tuple(first));

      const second = feeParams({ managementFeeBps: 0n, entryFeeBps: 100n, exitFeeBps: 0n });
      await expect(f.vault.setFeeParams(second)).to.emit(f.vault, "FeeParamsSet").withArgs(tuple(first), tuple(second));
      expect(tuple(await f.vault.feeParams())).to.deep.equal(tuple(second));
    });
  });

  describe("entry fee", () => {
    it("previewDeposit is exactly what deposit mints: the assets less ceil(a * fee / (10_000 + fee))", async () => {
      const f = await loadFixture(entryFeeFixture);
      // 134 units carry a fee of 1 unit; 1 unit is all fee and mints nothing.
      for (const assets of [1n, 134n, usdc("12345.678901"), usdc(100_000)]) {
        const s = await snapshot(f);
        const preview = await f.vault.previewDeposit(assets);
        expect(preview, `${assets}`).to.equal(depositShares(s, assets, ENTRY_BPS));
        expect(preview, `${assets}`).to.be.lessThanOrEqual(await f.vault.convertToShares(assets));
        const before = await f.vault.balanceOf(f.carol.address);
        await expect(f.vault.connect(f.carol).deposit(assets, f.carol.address), `${assets}`)
          .to.emit(f.vault, "Deposit")
          .withArgs(f.carol.address, f.carol.address, assets, preview);
        expect((await f.vault.balanceOf(f.carol.address)) - before, `${assets}`).to.equal(preview);
      }
      expect(await f.vault.previewDeposit(1n)).to.equal(0n);
    });

    it("the fee stays in the vault: totalAssets grows by the whole deposit and holders gain the fee", async () => {
      const f = await loadFixture(entryFeeFixture);
      const assets = usdc(100_000);
      const fee = ceilDiv(assets * ENTRY_BPS, BPS + ENTRY_BPS);
      expect(fee).to.equal(744_416_874n); // $744.42, 75 bps of the $99,255.58 invested
      const navBefore = await f.vault.totalAssets();
      const aliceShares = await f.vault.balanceOf(f.alice.address);
      const bobShares = await f.vault.balanceOf(f.bob.address);
      const aliceBefore = await f.vault.convertToAssets(aliceShares);
      const bobBefore = await f.vault.convertToAssets(bobShares);
      const s = await snapshot(f);
      const shares = await f.vault.previewDeposit(assets);
      // What Carol leaves the holders: the fee, the flow cost of investing the rest, and whatever
      // the entry prices (never below the oracle's) add; the oracle value of her shares at the
      // price before the deposit is the rest.
      const cost = flowCost(s.entry, assets - fee);
      const kept = assets - mulDiv(shares, s.nav + 1n, s.supply);
      expect(kept).to.be.greaterThanOrEqual(fee + cost);
      const premium = mulDiv(assets, s.entry.navCeil - s.nav, s.nav) + 2n;
      expect(kept).to.be.lessThanOrEqual(fee + cost + premium);

      await mined(f.vault.connect(f.carol).deposit(assets, f.carol.address));
      expect(await f.vault.totalAssets()).to.equal(navBefore + assets);
      // What she left is shared pro rata by every holder after the deposit, Carol included: she
      // holds the deposit less it plus her part of it, Alice and Bob theirs, all give or take the
      // NAV's roundings.
      const supply = (await f.vault.totalSupply()) + VIRTUAL_SHARES;
      const carolValue = await f.vault.convertToAssets(shares);
      expect(carolValue).to.be.closeTo(assets - kept + mulDiv(kept, shares, supply), 3n);
      expect(carolValue).to.be.lessThan(assets - fee - cost + (fee + cost) / 5n);
      const aliceGain = (await f.vault.convertToAssets(aliceShares)) - aliceBefore;
      const bobGain = (await f.vault.convertToAssets(bobShares)) - bobBefore;
      expect(aliceGain).to.be.closeTo(mulDiv(kept, aliceShares, supply), 2n);
      expect(bobGain).to.be.closeTo(mulDiv(kept, bobShares, supply), 2n);
      // Between them, the three account for the whole deposit.
      expect(carolValue + aliceGain + bobGain).to.be.closeTo(assets, 4n);
    });

    it("previewMint is exactly what mint pulls: the value at NAV rounded up plus ceil(value * fee / 10_000)", async () => {
      const f = await loadFixture(entryFeeFixture);
      for (const shares of [1n, 10n ** 18n + 7n, 12_345n * 10n ** 18n + 6_789n]) {
        const s = await snapshot(f);
        const preview = await f.vault.previewMint(shares);
        const payment = mintPayment(s, shares);
        expect(payment, `${shares}`).to.be.greaterThan(mintValue(s, shares));
        expect(preview, `${shares}`).to.equal(mintAssets(s, shares, ENTRY_BPS));
        expect(preview, `${shares}`).to.equal(payment + ceilDiv(payment * ENTRY_BPS, BPS));
        const usdcBefore = await f.usdc.balanceOf(f.carol.address);
        const sharesBefore = await f.vault.balanceOf(f.carol.address);
        await expect(f.vault.connect(f.carol).mint(shares, f.carol.address), `${shares}`)
          .to.emit(f.vault, "Deposit")
          .withArgs(f.carol.address, f.carol.address, preview, shares);
        expect(usdcBefore - (await f.usdc.balanceOf(f.carol.address)), `${shares}`).to.equal(preview);
        expect((await f.vault.balanceOf(f.carol.address)) - sharesBefore, `${shares}`).to.equal(shares);
      }
      // $12,345.67 of shares cost their value at the entry prices, plus the flow cost, plus 75 bps.
      const s = await snapshot(f);
      const shares = await f.vault.convertToShares(usdc("12345.67"));
      const value = mintValue(s, shares);
      expect(value).to.be.closeTo(usdc("12345.67"), mulDiv(usdc("12345.67"), s.entry.navCeil - s.nav, s.nav) + 2n);
      const payment = mintPayment(s, shares);
      expect(payment - value).to.be.within(flowCost(s.entry, value), 2n * flowCost(s.entry, payment));
      expect(await f.vault.previewMint(shares)).to.equal(payment + ceilDiv(payment * ENTRY_BPS, BPS));
    });

    it("deposit(previewMint(shares)) mints at least the shares: deposit and mint charge the same fee", async () => {
      const f = await loadFixture(entryFeeFixture);
      const shares = 54_321n * 10n ** 18n + 1n;
      const s = await snapshot(f);
      const assets = await f.vault.previewMint(shares);
      const minted = await f.vault.previewDeposit(assets);
      expect(minted).to.be.greaterThanOrEqual(shares);
      // ...and not by more than the step mint adds to its flow cost estimate (the cost of the
      // cost, with its fee) and a unit's worth of shares.
      const value = mintValue(s, shares);
      const first = flowCost(s.entry, value);
      const step = flowCost(s.entry, value + first) - first;
      const overpaid = step + ceilDiv(step * ENTRY_BPS, BPS) + 2n;
      expect(step).to.be.lessThan(value / 10_000n);
      expect(await f.vault.previewDeposit(assets - overpaid)).to.be.lessThan(shares);
    });
  });

  describe("exit fee", () => {
    it("previewRedeem is exactly what a redeem from the USDC balance pays: value less ceil(v * fee / (10_000 + fee))", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = await f.vault.balanceOf(f.carol.address);
      const s = await snapshot(f);
      const value = exitValue(s, shares);
      expect(value).to.be.lessThanOrEqual(s.balances[0]);
      const preview = await f.vault.previewRedeem(shares);
      expect(preview).to.equal(redeemAssets(s, shares, EXIT_BPS));
      const net = value - ceilDiv(value * EXIT_BPS, BPS + EXIT_BPS);
      expect(value - preview).to.equal(value - net + exitFlowCost(s.exit, net));
      expect(preview).to.be.lessThan(await f.vault.convertToAssets(shares));

      const before = await f.usdc.balanceOf(f.carol.address);
      await expect(f.vault.connect(f.carol).redeem(shares, f.carol.address, f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.carol.address, preview, shares)
        .and.not.to.emit(f.vault, "Swapped");
      expect((await f.usdc.balanceOf(f.carol.address)) - before).to.equal(preview);
      expect(await f.vault.balanceOf(f.carol.address)).to.equal(0n);
    });

    it("a redeem beyond the USDC balance pays at least previewRedeem, and no more than the value less the fee", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = await f.vault.balanceOf(f.bob.address);
      const s = await snapshot(f);
      const value = exitValue(s, shares);
      expect(value).to.be.greaterThan(s.balances[0]);
      const preview = await f.vault.previewRedeem(shares);
      const before = await f.usdc.balanceOf(f.bob.address);
      const tx = f.vault.connect(f.bob).redeem(shares, f.bob.address, f.bob.address);
      await expect(tx).to.emit(f.vault, "Swapped");
      const received = (await f.usdc.balanceOf(f.bob.address)) - before;
      await expect(tx)
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, received, shares);
      expect(received).to.be.greaterThanOrEqual(preview);
      expect(received).to.be.lessThanOrEqual(redeemAssets(s, shares, EXIT_BPS));
    });

    it("previewWithdraw is exactly what withdraw burns: assets + ceil(a * fee / 10_000), within and beyond the USDC balance", async () => {
      const f = await loadFixture(exitFeeFixture);
      // Within the USDC balance, from carol.
      let s = await snapshot(f);
      let assets = usdc("5000.000001");
      let preview = await f.vault.previewWithdraw(assets);
      expect(preview).to.equal(withdrawShares(s, assets, EXIT_BPS));
      expect(preview).to.be.greaterThan(withdrawShares(s, assets, 0n));
      let sharesBefore = await f.vault.balanceOf(f.carol.address);
      let usdcBefore = await f.usdc.balanceOf(f.carol.address);
      await expect(f.vault.connect(f.carol).withdraw(assets, f.carol.address, f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.carol.address, assets, preview)
        .and.not.to.emit(f.vault, "Swapped");
      expect(sharesBefore - (await f.vault.balanceOf(f.carol.address))).to.equal(preview);
      expect((await f.usdc.balanceOf(f.carol.address)) - usdcBefore).to.equal(assets);

      // Beyond it, from bob: swaps, and still exactly the previewed shares for exactly the assets.
      s = await snapshot(f);
      assets = usdc(200_000);
      expect(assets).to.be.greaterThan(s.balances[0]);
      preview = await f.vault.previewWithdraw(assets);
      // At least the assets and their fee, in shares.
      expect(preview).to.be.greaterThan(withdrawShares(s, assets, EXIT_BPS));
      sharesBefore = await f.vault.balanceOf(f.bob.address);
      usdcBefore = await f.usdc.balanceOf(f.bob.address);
      await expect(f.vault.connect(f.bob).withdraw(assets, f.bob.address, f.bob.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, assets, preview)
        .and.to.emit(f.vault, "Swapped");
      expect(sharesBefore - (await f.vault.balanceOf(f.bob.address))).to.equal(preview);
      expect((await f.usdc.balanceOf(f.bob.address)) - usdcBefore).to.equal(assets);
    });

    it("maxWithdraw nets the fee: withdraw(maxWithdraw) succeeds and one unit more reverts (within the USDC balance)", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = await f.vault.balanceOf(f.carol.address);
      const s = await snapshot(f);
      const value = exitValue(s, shares);
      const max = await f.vault.maxWithdraw(f.carol.address);
      // The value less the fee on a total, less one unit for the fee's rounding up, less the flow
      // cost of that much.
      const net = value - ceilDiv(value * EXIT_BPS, BPS + EXIT_BPS) - 1n;
      expect(max).to.equal(net - exitFlowCost(s.exit, net));
      await expect(f.vault.connect(f.carol).withdraw(max + 1n, f.carol.address, f.carol.address))
        .to.be.revertedWithCustomError(f.vault, "ERC4626ExceededMaxWithdraw")
        .withArgs(f.carol.address, max + 1n, max);
      const preview = await f.vault.previewWithdraw(max);
      expect(preview).to.be.lessThanOrEqual(shares);
      await expect(f.vault.connect(f.carol).withdraw(max, f.carol.address, f.carol.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.carol.address, max, preview);
      // What is left is worth at most what maxWithdraw's flow cost (of the whole value) charged
      // beyond the withdraw's (of `max`), its fee, and a couple of units.
      const left = await f.vault.balanceOf(f.carol.address);
      expect(left).to.equal(shares - preview);
      const reserved = exitFlowCost(s.exit, net);
      const slack = reserved - exitFlowCost(s.exit, max);
      expect(exitValue(s, left)).to.be.lessThanOrEqual(slack + ceilDiv(reserved * EXIT_BPS, BPS) + 3n);
      expect(exitValue(s, left)).to.be.lessThan(value / 10_000n);
    });

    it("withdraw(maxWithdraw) succeeds beyond the USDC balance too, and one unit more reverts", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = await f.vault.balanceOf(f.bob.address);
      const max = await f.vault.maxWithdraw(f.bob.address);
      expect(max).to.be.greaterThan((await snapshot(f)).balances[0]);
      await expect(f.vault.connect(f.bob).withdraw(max + 1n, f.bob.address, f.bob.address))
        .to.be.revertedWithCustomError(f.vault, "ERC4626ExceededMaxWithdraw")
        .withArgs(f.bob.address, max + 1n, max);
      const preview = await f.vault.previewWithdraw(max);
      expect(preview).to.be.lessThanOrEqual(shares);
      const before = await f.usdc.balanceOf(f.bob.address);
      await expect(f.vault.connect(f.bob).withdraw(max, f.bob.address, f.bob.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, max, preview);
      expect((await f.usdc.balanceOf(f.bob.address)) - before).to.equal(max);
      expect(await f.vault.balanceOf(f.bob.address)).to.equal(shares - preview);
    });

    it("the fee stays in the vault: the remaining holders gain it", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = await f.vault.balanceOf(f.carol.address);
      const s = await snapshot(f);
      const fee = exitValue(s, shares) - afterExitFee(s, shares, EXIT_BPS);
      // 60 bps of the ~$19,820 paid (Carol's $20k less its entry charge).
      expect(fee).to.equal(ceilDiv(exitValue(s, shares) * EXIT_BPS, BPS + EXIT_BPS));
      expect(fee).to.be.closeTo(usdc("118.21"), usdc("0.5"));
      const cost = exitFlowCost(s.exit, afterExitFee(s, shares, EXIT_BPS));
      const aliceShares = await f.vault.balanceOf(f.alice.address);
      const bobShares = await f.vault.balanceOf(f.bob.address);
      const othersBefore = (await f.vault.convertToAssets(aliceShares)) + (await f.vault.convertToAssets(bobShares));
      const usdcBefore = await f.usdc.balanceOf(f.carol.address);

      await mined(f.vault.connect(f.carol).redeem(shares, f.carol.address, f.carol.address));
      const paid = (await f.usdc.balanceOf(f.carol.address)) - usdcBefore;
      expect(await f.vault.totalAssets()).to.equal(s.nav - paid);
      const othersAfter = (await f.vault.convertToAssets(aliceShares)) + (await f.vault.convertToAssets(bobShares));
      // They gain what Carol left: the fee, the flow cost, and the gap of the exit prices below the
      // oracle's (the shares' oracle value less what was paid), bar the virtual shares' sliver.
      const left = mulDiv(shares, s.nav + 1n, s.supply) - paid;
      expect(left).to.be.greaterThanOrEqual(fee + cost);
      expect(othersAfter - othersBefore).to.be.closeTo(left, 3n);
    });

    it("redeemInKind charges no exit fee: pro-rata amounts, as previewed", async () => {
      const f = await loadFixture(exitFeeFixture);
      const shares = (await f.vault.balanceOf(f.alice.address)) / 3n;
      const s = await snapshot(f);
      const expected = inKind(s, shares);
      for (const amount of expected) expect(amount).to.be.greaterThan(0n);
      expect(await f.vault.previewRedeemInKind(shares)).to.deep.equal(expected);
      const bobShares = await f.vault.balanceOf(f.bob.address);
      const bobBefore = await f.vault.convertToAssets(bobShares);

      await expect(f.vault.connect(f.alice).redeemInKind(shares, f.stranger.address, f.alice.address))
        .to.emit(f.vault, "RedeemedInKind")
        .withArgs(f.alice.address, f.stranger.address, f.alice.address, shares, expected)
        .and.not.to.emit(f.vault, "Swapped");
      for (const [i, token] of f.tokens.entries()) {
        expect(await token.balanceOf(f.stranger.address)).to.equal(expected[i]);
        expect(await token.balanceOf(f.vault)).to.equal(s.balances[i] - expected[i]);
      }
      // What left the vault is the shares' full value, up to the amounts' roundings down (a token
      // unit each: a satoshi is worth ~600 USDC units), not that value less a ~$1,000 fee...
      const taken = s.nav - (await f.vault.totalAssets());
      expect(taken).to.be.closeTo(mulDiv(shares, s.nav + 1n, s.supply), usdc("0.01"));
      expect(taken).to.be.greaterThan(redeemAssets(s, shares, EXIT_BPS) + usdc(900));
      // ...and the other holders gained no fee, only that dust.
      expect(await f.vault.convertToAssets(bobShares)).to.be.closeTo(bobBefore, usdc("0.01"));
    });
  });

  describe("management fee", () => {
    it("pendingFeeShares is supply * f / (10_000 * 365 days - f), f = rate * dt capped at half a year's 10_000", async () => {
      const f = await loadFixture(managementFeeFixture);
      const supply = await f.vault.totalSupply();
      for (const dt of [1, DAY, 100 * DAY, YEAR, 10 * YEAR - 1, 10 * YEAR, 30 * YEAR]) {
        await time.increaseTo(f.feesSetAt + dt);
        const expected = await pendingShares(f, supply, MANAGEMENT_BPS, dt);
        expect(await f.vault.pendingFeeShares(), `dt ${dt}`).to.equal(expected);
        expect(expected, `dt ${dt}`).to.be.lessThan(supply);
      }
      // (1 - 2%)^(-t) reaches 2 after ln 2 / -ln 0.98 = 34.3 years: the cap, the fee then doubles
      // the supply.
      await time.increaseTo(f.feesSetAt + 35 * YEAR);
      expect(await f.vault.pendingFeeShares()).to.equal(supply);
      // Nothing minted by a view.
      expect(await f.vault.totalSupply()).to.equal(supply);
    });

    it("a year at 200 bps dilutes holders by 2%, minted to the recipient by the next deposit, exactly as previewed", async () => {
      const f = await loadFixture(managementFeeFixture);
      const aliceShares = await f.vault.balanceOf(f.alice.address);
      const aliceBefore = await f.vault.convertToAssets(aliceShares);
      const supply = await f.vault.totalSupply();

      await time.increaseTo(f.feesSetAt + YEAR - 60);
      await refreshFeeds(f);
      await time.setNextBlockTimestamp(f.feesSetAt + YEAR);
      // Views in the context of the block the deposit will be mined in.
      const pending = await f.vault.pendingFeeShares(PENDING);
      // m / (supply + m) = 2%: m = supply * 200 / 9_800, to FeeMath's precision (below 1e-14).
      expect(pending).to.equal(await pendingShares(f, supply, MANAGEMENT_BPS, YEAR));
      expect(pending).to.be.closeTo(supply / 49n, supply / 10n ** 14n);
      const assets = usdc(10_000);
      const preview = await f.vault.previewDeposit(assets, PENDING);
      const s = await snapshot(f, PENDING);
      expect(preview).to.equal(depositShares(s, assets, 0n));
      // What Carol's deposit leaves the holders (its flow cost, and any entry price premium).
      const kept = assets - mulDiv(preview, s.nav + 1n, s.supply);
      expect(kept).to.be.greaterThanOrEqual(flowCost(s.entry, assets));
      // Alice's shares are worth 2% less (same prices, same balances).
      const aliceValue = await f.vault.convertToAssets(aliceShares, PENDING);
      expect((aliceValue * 10n ** 8n) / aliceBefore).to.be.closeTo(98_000_000n, 100n);

      await expect(f.vault.connect(f.carol).deposit(assets, f.carol.address))
        .to.emit(f.vault, "ManagementFeeAccrued")
        .withArgs(f.treasury.address, pending)
        .and.to.emit(f.vault, "Deposit")
        .withArgs(f.carol.address, f.carol.address, assets, preview);
      expect(await time.latest()).to.equal(f.feesSetAt + YEAR);
      expect(await f.vault.balanceOf(f.carol.address)).to.equal(preview);
      const fees = await f.vault.balanceOf(f.treasury.address);
      expect(fees).to.equal(pending);
      expect(await f.vault.pendingFeeShares()).to.equal(0n);
      // The recipient holds 200 / 10_000 of the supply the accrual left (within 1e-6, relative).
      const accrued = (await f.vault.totalSupply()) - preview;
      expect(accrued).to.equal(supply + pending);
      const share = fees * BPS * 10n ** 6n;
      expect(share).to.be.closeTo(MANAGEMENT_BPS * 10n ** 6n * accrued, MANAGEMENT_BPS * accrued);
      // The accrual moved no value: Alice's shares are worth what the view said before it, plus
      // her part of what Carol's deposit left.
      const gain = mulDiv(kept, aliceShares, (await f.vault.totalSupply()) + VIRTUAL_SHARES);
      expect(await f.vault.convertToAssets(aliceShares)).to.be.closeTo(aliceValue + gain, 2n);
    });

    it("every entry and exit first mints exactly the pending shares, and its preview matches it exactly", async () => {
      const f = await loadFixture(managementFeeFixture);
      const { vault, carol, alice, treasury } = f;
      let accruedAt = f.feesSetAt;
      let minted = 0n;

      /** 30 days on, the next block pinned: the shares pending then, checked against the model. */
      const nextMonth = async (): Promise<bigint> => {
        await passTime(f, 30 * DAY);
        const t = await pinNextBlock();
        const pending = await vault.pendingFeeShares(PENDING);
        expect(pending).to.equal(await pendingShares(f, await vault.totalSupply(), MANAGEMENT_BPS, t - accruedAt));
        expect(pending).to.be.greaterThan(0n);
        accruedAt = t;
        minted += pending;
        return pending;
      };

      // deposit
      let pending = await nextMonth();
      const assets = usdc(30_000);
      const shares = await vault.previewDeposit(assets, PENDING);
      await expect(vault.connect(carol).deposit(assets, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Deposit")
        .withArgs(carol.address, carol.address, assets, shares);
      expect(await vault.balanceOf(treasury.address)).to.equal(minted);

      // mint
      pending = await nextMonth();
      const mintShares = 5_000n * 10n ** 18n + 3n;
      const pulled = await vault.previewMint(mintShares, PENDING);
      await expect(vault.connect(carol).mint(mintShares, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Deposit")
        .withArgs(carol.address, carol.address, pulled, mintShares);
      expect(await vault.balanceOf(treasury.address)).to.equal(minted);

      // withdraw (within the USDC balance)
      pending = await nextMonth();
      const withdrawn = usdc("4321.123456");
      const burned = await vault.previewWithdraw(withdrawn, PENDING);
      await expect(vault.connect(carol).withdraw(withdrawn, carol.address, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Withdraw")
        .withArgs(carol.address, carol.address, carol.address, withdrawn, burned);
      expect(await vault.balanceOf(treasury.address)).to.equal(minted);

      // redeem (within the USDC balance: the preview is exact)
      pending = await nextMonth();
      const redeemed = (await vault.balanceOf(carol.address)) / 2n;
      const paid = await vault.previewRedeem(redeemed, PENDING);
      await expect(vault.connect(carol).redeem(redeemed, carol.address, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Withdraw")
        .withArgs(carol.address, carol.address, carol.address, paid, redeemed);
      expect(await vault.balanceOf(treasury.address)).to.equal(minted);

      // redeemInKind
      pending = await nextMonth();
      const inKindShares = (await vault.balanceOf(alice.address)) / 5n;
      const amounts = await vault.previewRedeemInKind(inKindShares, PENDING);
      await expect(vault.connect(alice).redeemInKind(inKindShares, alice.address, alice.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, inKindShares, [...amounts]);
      expect(await vault.balanceOf(treasury.address)).to.equal(minted);
      expect(await vault.pendingFeeShares()).to.equal(0n);
    });

    it("with all three fees at once, every preview still matches its action exactly", async () => {
      const f = await loadFixture(managementFeeFixture);
      const { vault, carol, treasury } = f;
      const all = feeParams({
        managementFeeBps: MANAGEMENT_BPS,
        entryFeeBps: ENTRY_BPS,
        exitFeeBps: EXIT_BPS,
        recipient: treasury.address,
      });
      let accruedAt = await timestampOf(await mined(vault.setFeeParams(all)));

      await passTime(f, 30 * DAY);
      let t = await pinNextBlock();
      let pending = await vault.pendingFeeShares(PENDING);
      expect(pending).to.equal(await pendingShares(f, await vault.totalSupply(), MANAGEMENT_BPS, t - accruedAt));
      const assets = usdc(25_000);
      const shares = await vault.previewDeposit(assets, PENDING);
      const atDeposit = await snapshot(f, PENDING);
      expect(shares).to.equal(depositShares(atDeposit, assets, ENTRY_BPS));
      let flowCosts = entryCharge(atDeposit.entry, assets - entryFee(assets, ENTRY_BPS), atDeposit.nav);
      await expect(vault.connect(carol).deposit(assets, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Deposit")
        .withArgs(carol.address, carol.address, assets, shares);
      accruedAt = t;

      await passTime(f, 30 * DAY);
      t = await pinNextBlock();
      pending = await vault.pendingFeeShares(PENDING);
      expect(pending).to.equal(await pendingShares(f, await vault.totalSupply(), MANAGEMENT_BPS, t - accruedAt));
      const withdrawn = usdc(10_000);
      const burned = await vault.previewWithdraw(withdrawn, PENDING);
      const atWithdraw = await snapshot(f, PENDING);
      expect(burned).to.equal(withdrawShares(atWithdraw, withdrawn, EXIT_BPS));
      flowCosts += exitFlowCost(atWithdraw.exit, withdrawn);
      await expect(vault.connect(carol).withdraw(withdrawn, carol.address, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Withdraw")
        .withArgs(carol.address, carol.address, carol.address, withdrawn, burned);
      accruedAt = t;

      await passTime(f, 30 * DAY);
      t = await pinNextBlock();
      pending = await vault.pendingFeeShares(PENDING);
      expect(pending).to.equal(await pendingShares(f, await vault.totalSupply(), MANAGEMENT_BPS, t - accruedAt));
      const rest = await vault.balanceOf(carol.address);
      const paid = await vault.previewRedeem(rest, PENDING);
      const atRedeem = await snapshot(f, PENDING);
      expect(paid).to.equal(redeemAssets(atRedeem, rest, EXIT_BPS));
      flowCosts += exitFlowCost(atRedeem.exit, afterExitFee(atRedeem, rest, EXIT_BPS));
      await expect(vault.connect(carol).redeem(rest, carol.address, carol.address))
        .to.emit(vault, "ManagementFeeAccrued")
        .withArgs(treasury.address, pending)
        .and.to.emit(vault, "Withdraw")
        .withArgs(carol.address, carol.address, carol.address, paid, rest);
      // Two months' management fee, 75 bps in and 60 bps out: beyond the flow costs and the entry charge, Carol got back
      // about 1.5% less.
      const lost = assets - withdrawn - paid - flowCosts;
      expect(lost).to.be.greaterThan(usdc(300));
      expect(lost).to.be.lessThan(usdc(450));
    });

    it("changing the rate accrues at the old rate to the old recipient first", async () => {
      const f = await loadFixture(managementFeeFixture);
      await passTime(f, 100 * DAY);
      const t1 = await pinNextBlock();
      const supply = await f.vault.totalSupply();
      const old = await pendingShares(f, supply, MANAGEMENT_BPS, t1 - f.feesSetAt);
      expect(await f.vault.pendingFeeShares(PENDING)).to.equal(old);
      const before = feeParams({ managementFeeBps: MANAGEMENT_BPS, recipient: f.treasury.address });
      const after = feeParams({ managementFeeBps: 300n, recipient: f.stranger.address });
      await expect(f.vault.setFeeParams(after))
        .to.emit(f.vault, "ManagementFeeAccrued")
        .withArgs(f.treasury.address, old)
        .and.to.emit(f.vault, "FeeParamsSet")
        .withArgs(tuple(before), tuple(after));
      expect(await f.vault.balanceOf(f.treasury.address)).to.equal(old);
      expect(await f.vault.totalSupply()).to.equal(supply + old);
      expect(await f.vault.pendingFeeShares()).to.equal(0n);

      // From then on, the new rate to the new recipient.
      await passTime(f, 50 * DAY);
      const t2 = await pinNextBlock();
      const next = await pendingShares(f, supply + old, 300n, t2 - t1);
      expect(await f.vault.pendingFeeShares(PENDING)).to.equal(next);
      await expect(f.vault.connect(f.carol).deposit(usdc(1_000), f.carol.address))
        .to.emit(f.vault, "ManagementFeeAccrued")
        .withArgs(f.stranger.address, next);
      expect(await f.vault.balanceOf(f.stranger.address)).to.equal(next);
      expect(await f.vault.balanceOf(f.treasury.address)).to.equal(old);
    });

    it("setting the rate to 0 accrues what is due, then stops the accrual", async () => {
      const f = await loadFixture(managementFeeFixture);
      await passTime(f, 100 * DAY);
      const t1 = await pinNextBlock();
      const supply = await f.vault.totalSupply();
      const due = await pendingShares(f, supply, MANAGEMENT_BPS, t1 - f.feesSetAt);
      await expect(f.vault.setFeeParams(feeParams({})))
        .to.emit(f.vault, "ManagementFeeAccrued")
        .withArgs(f.treasury.address, due);
      expect(await f.vault.balanceOf(f.treasury.address)).to.equal(due);

      await passTime(f, YEAR);
      expect(await f.vault.pendingFeeShares()).to.equal(0n);
      const assets = usdc(10_000);
      const shares = await f.vault.previewDeposit(assets);
      await expect(f.vault.connect(f.carol).deposit(assets, f.carol.address))
        .to.emit(f.vault, "Deposit")
        .withArgs(f.carol.address, f.carol.address, assets, shares)
        .and.not.to.emit(f.vault, "ManagementFeeAccrued");
      expect(await f.vault.totalSupply()).to.equal(supply + due + shares);
      expect(await f.vault.balanceOf(f.treasury.address)).to.equal(due);
    });

    it("30 idle years at 500 bps do not overflow: the dilution is capped at a half, the fee doubles the supply", async () => {
      const f = await loadFixture(feesFixture);
      await setFees(f, { managementFeeBps: MAX_MANAGEMENT_BPS, recipient: f.treasury.address });
      await passTime(f, 30 * YEAR);
      await pinNextBlock();
      const supply = await f.vault.totalSupply();
      expect(await f.vault.pendingFeeShares()).to.equal(supply);
      expect(await f.vault.pendingFeeShares(PENDING)).to.equal(supply);
      const assets = usdc(10_000);
      const preview = await f.vault.previewDeposit(assets, PENDING);
      const atDeposit = await snapshot(f, PENDING);
      const cost = entryCharge(atDeposit.entry, assets, atDeposit.nav);
      await expect(f.vault.connect(f.carol).deposit(assets, f.carol.address))
        .to.emit(f.vault, "ManagementFeeAccrued")
        .withArgs(f.treasury.address, supply)
        .and.to.emit(f.vault, "Deposit")
        .withArgs(f.carol.address, f.carol.address, assets, preview);
      expect(await f.vault.balanceOf(f.treasury.address)).to.equal(supply);
      expect(await f.vault.totalSupply()).to.equal(2n * supply + preview);
      // Carol still gets her deposit's worth, less its entry charge (of which she keeps her ~1% part).
      const value = await f.vault.convertToAssets(preview);
      expect(value).to.be.lessThanOrEqual(assets - cost + cost / 20n + 5n);
      expect(value).to.be.greaterThanOrEqual(assets - cost - assets / 10_000n);
      // Exits work too, from the fee's recipient.
      const redeemed = await f.vault.balanceOf(f.treasury.address);
      await expect(f.vault.connect(f.treasury).redeem(redeemed / 100n, f.treasury.address, f.treasury.address)).not.to
        .be.reverted;
    });
  });
});
