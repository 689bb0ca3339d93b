import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import fc from "fast-check";
import { MaxUint256, parseUnits } from "ethers";
import { ethers } from "hardhat";

import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";

/*
 * ERC-4626 properties of BallastVault over random holders, amounts and price moves (fast-check on
 * the Hardhat network): views that must not revert, conversions independent of the caller, the
 * preview bounds of all four entry points, all eight round trips without free profit, exits by a
 * third party without allowance, and zero and tiny amounts. FUZZ_RUNS sets the cases per property.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 6);

interface World {
  f: VaultFixture;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
}

async function world(): Promise<World> {
  const f = await investedAdminFixture();
  const [, , bob, alice] = await ethers.getSigners();
  for (const user of [alice, bob]) {
    await f.market.fund(user.address, "USDC", parseUnits("5000000", 6));
    await f.market.token("USDC").contract.connect(user).approve(f.vault, MaxUint256);
  }
  await f.vault.connect(alice).deposit(parseUnits("200000", 6), alice);
  return { f, alice, bob };
}

/** One asset's price moves by `movePct` (feed and pools, as arbitrage would). */
async function move(f: VaultFixture, symbol: string, movePct: number): Promise<void> {
  await f.market.setFeedPrice(symbol, (await f.market.feedPrice(symbol)) * (1 + movePct / 100));
  await f.market.alignAllPools();
}

/** Shares or assets a transaction moved, from the vault's event. */
async function deposited(w: World, sent: Promise<{ wait(): Promise<unknown> }>) {
  const tx = await sent;
  const receipt = (await tx.wait()) as { blockNumber: number; hash: string };
  const [event] = (await w.f.vault.queryFilter(w.f.vault.filters.Deposit, receipt.blockNumber)).filter(
    (e) => e.transactionHash === receipt.hash,
  );
  return { assets: event.args.assets, shares: event.args.shares };
}

async function withdrawn(w: World, sent: Promise<{ wait(): Promise<unknown> }>) {
  const tx = await sent;
  const receipt = (await tx.wait()) as { blockNumber: number; hash: string };
  const [event] = (await w.f.vault.queryFilter(w.f.vault.filters.Withdraw, receipt.blockNumber)).filter(
    (e) => e.transactionHash === receipt.hash,
  );
  return { assets: event.args.assets, shares: event.args.shares };
}

const moveArb = fc.tuple(fc.constantFrom("WETH", "WBTC", "LINK"), fc.integer({ min: -9, max: 9 }));
/** USDC amounts from one unit to $300k: tiny, within the cash buffer, and beyond it. */
const assetsArb = fc.oneof(
  fc.bigInt({ min: 1n, max: 1_000n }),
  fc.bigInt({ min: 1_000n, max: 20_000_000_000n }),
  fc.bigInt({ min: 20_000_000_000n, max: 300_000_000_000n }),
);

describe("ERC-4626 properties (random holders, amounts and price moves)", function () {
  this.timeout(30 * 60 * 1000);

  it("views never revert, and conversions do not depend on the caller", async () => {
    await fc.assert(
      fc.asyncProperty(moveArb, assetsArb, async ([symbol, pct], assets) => {
        const w = await loadFixture(world);
        await move(w.f, symbol, pct);
        const { vault } = w.f;
        for (const who of [w.alice, w.bob]) {
          const v = vault.connect(who);
          await Promise.all([
            v.totalAssets(),
            v.maxDeposit(who),
            v.maxMint(who),
            v.maxWithdraw(who),
            v.maxRedeem(who),
            v.previewRedeemInKind(assets),
          ]);
        }
        const shares = assets * 10n ** 12n;
        expect(await vault.connect(w.alice).convertToShares(assets)).to.equal(
          await vault.connect(w.bob).convertToShares(assets),
        );
        expect(await vault.connect(w.alice).convertToAssets(shares)).to.equal(
          await vault.connect(w.bob).convertToAssets(shares),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("previews bound what the four entry points do", async () => {
    await fc.assert(
      fc.asyncProperty(moveArb, assetsArb, async ([symbol, pct], assets) => {
        const w = await loadFixture(world);
        await move(w.f, symbol, pct);
        const vault = w.f.vault.connect(w.bob);
        const previewShares = await vault.previewDeposit(assets);
        const d = await deposited(w, vault.deposit(assets, w.bob));
        expect(d.shares).to.be.greaterThanOrEqual(previewShares);

        const shares = d.shares / 2n + 1n;
        const previewAssets = await vault.previewMint(shares);
        const m = await deposited(w, vault.mint(shares, w.bob));
        expect(m.assets).to.be.lessThanOrEqual(previewAssets);

        const out = (await vault.maxWithdraw(w.bob)) / 3n;
        const previewBurn = await vault.previewWithdraw(out);
        const wd = await withdrawn(w, vault.withdraw(out, w.bob, w.bob));
        expect(wd.shares).to.be.lessThanOrEqual(previewBurn);

        const redeemShares = (await vault.balanceOf(w.bob)) / 2n;
        const previewRedeem = await vault.previewRedeem(redeemShares);
        const r = await withdrawn(w, vault.redeem(redeemShares, w.bob, w.bob));
        expect(r.assets).to.be.greaterThanOrEqual(previewRedeem);
      }),
      { numRuns: RUNS },
    );
  });

  it("gives no free profit in any of the eight round trips", async () => {
    await fc.assert(
      fc.asyncProperty(moveArb, assetsArb, fc.integer({ min: 0, max: 7 }), async ([symbol, pct], assets, trip) => {
        const w = await loadFixture(world);
        await move(w.f, symbol, pct);
        const vault = w.f.vault.connect(w.bob);
        const aliceVault = w.f.vault.connect(w.alice);
        switch (trip) {
          case 0: {
            const { shares } = await deposited(w, vault.deposit(assets, w.bob));
            const back = await withdrawn(w, vault.redeem(shares, w.bob, w.bob));
            expect(back.assets).to.be.lessThanOrEqual(assets);
            break;
          }
          case 1: {
            const { shares } = await deposited(w, vault.deposit(assets, w.bob));
            const take = (await vault.maxWithdraw(w.bob)) < assets ? await vault.maxWithdraw(w.bob) : assets;
            if (take === 0n) break;
            const back = await withdrawn(w, vault.withdraw(take, w.bob, w.bob));
            // Withdrawing what was deposited burns at least the shares it minted.
            if (take === assets) expect(back.shares).to.be.greaterThanOrEqual(shares);
            else expect(back.assets * shares).to.be.lessThanOrEqual(assets * back.shares);
            break;
          }
          case 2: {
            const shares = await vault.previewDeposit(assets);
            if (shares === 0n) break;
            const paid = await deposited(w, vault.mint(shares, w.bob));
            const back = await withdrawn(w, vault.redeem(shares, w.bob, w.bob));
            expect(back.assets).to.be.lessThanOrEqual(paid.assets);
            break;
          }
          case 3: {
            const shares = await vault.previewDeposit(assets);
            if (shares === 0n) break;
            const paid = await deposited(w, vault.mint(shares, w.bob));
            const take = (await vault.maxWithdraw(w.bob)) < paid.assets ? await vault.maxWithdraw(w.bob) : paid.assets;
            if (take === 0n) break;
            const back = await withdrawn(w, vault.withdraw(take, w.bob, w.bob));
            if (take === paid.assets) expect(back.shares).to.be.greaterThanOrEqual(shares);
            break;
          }
          default: {
            // Exit first, then come back (Alice holds shares): 4 redeem->deposit, 5 redeem->mint,
            // 6 withdraw->deposit, 7 withdraw->mint.
            const before = await aliceVault.balanceOf(w.alice);
            const exitShares = before / 4n;
            const exit =
              trip < 6
                ? await withdrawn(w, aliceVault.redeem(exitShares, w.alice, w.alice))
                : await withdrawn(
                    w,
                    aliceVault.withdraw((await aliceVault.maxWithdraw(w.alice)) / 4n, w.alice, w.alice),
                  );
            if (trip % 2 === 0) {
              const again = await deposited(w, aliceVault.deposit(exit.assets, w.alice));
              expect(again.shares).to.be.lessThanOrEqual(exit.shares);
            } else {
              const again = await deposited(w, aliceVault.mint(exit.shares, w.alice));
              expect(again.assets).to.be.greaterThanOrEqual(exit.assets);
            }
          }
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("refuses a third party's exits without allowance, and rounds zero and tiny amounts for the vault", async () => {
    await fc.assert(
      fc.asyncProperty(moveArb, fc.bigInt({ min: 1n, max: 10n ** 6n }), async ([symbol, pct], tiny) => {
        const w = await loadFixture(world);
        await move(w.f, symbol, pct);
        const vault = w.f.vault.connect(w.bob);
        await expect(vault.redeem(tiny, w.bob, w.alice)).to.be.revertedWithCustomError(
          vault,
          "ERC20InsufficientAllowance",
        );
        await expect(vault.withdraw(tiny, w.bob, w.alice)).to.be.revertedWithCustomError(
          vault,
          "ERC20InsufficientAllowance",
        );
        await expect(vault.redeemInKind(tiny, w.bob, w.alice)).to.be.revertedWithCustomError(
          vault,
          "ERC20InsufficientAllowance",
        );
        expect(await vault.convertToShares(0)).to.equal(0n);
        expect(await vault.convertToAssets(0)).to.equal(0n);
        expect(await vault.previewDeposit(0)).to.equal(0n);
        expect(await vault.previewRedeem(0)).to.equal(0n);
        // A few shares are worth less than a unit: redeeming them pays nothing rather than a unit.
        expect(await vault.previewRedeem(tiny)).to.be.lessThanOrEqual((tiny * 10n ** 6n) / 10n ** 18n + 1n);
        expect(await vault.previewMint(1n)).to.be.greaterThanOrEqual(1n);
      }),
      { numRuns: RUNS },
    );
  });
});
