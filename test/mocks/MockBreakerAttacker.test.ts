import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { MockBreakerAttacker__factory } from "../../typechain-types";
import { marketFixture } from "../shared/fixtures";

describe("MockBreakerAttacker", () => {
  async function attackerFixture() {
    const market = await marketFixture();
    const [owner, stranger] = await ethers.getSigners();
    const attacker = await new MockBreakerAttacker__factory(owner).deploy();
    const address = await attacker.getAddress();
    await market.fund(address, "USDC", 1_000_000n * 10n ** 6n);
    await market.fund(address, "WETH", 300n * 10n ** 18n);
    return { market, attacker, stranger };
  }

  it("pushes a pool, makes its call and sells back what it bought, in one transaction", async () => {
    const { market, attacker } = await loadFixture(attackerFixture);
    const pool = market.pool("WETH", "USDC", 500);
    const [sqrtPriceX96, tick] = await pool.contract.slot0();
    const limit = (sqrtPriceX96 * 999n) / 1000n;
    // The call in between sees the pushed pool: here, the pool's own slot0.
    const data = pool.contract.interface.encodeFunctionData("slot0");
    const tx = attacker.pushCallUnwind(pool.address, true, limit, pool.address, data);
    await expect(tx).to.emit(pool.contract, "Swap");
    const [, after] = await pool.contract.slot0();
    // Back within a tick or two of where it was (fees make the way back a little short).
    expect(after - tick).to.be.within(-2n, 2n);
  });

  it("bubbles up its call's revert", async () => {
    const { market, attacker } = await loadFixture(attackerFixture);
    const pool = market.pool("WETH", "USDC", 500);
    const [sqrtPriceX96] = await pool.contract.slot0();
    // A callback to itself, from itself rather than the pool: refused, and the refusal surfaces.
    const data = attacker.interface.encodeFunctionData("uniswapV3MintCallback", [1n, 1n, "0x"]);
    const address = await attacker.getAddress();
    await expect(attacker.pushCallUnwind(pool.address, true, (sqrtPriceX96 * 999n) / 1000n, address, data))
      .to.be.revertedWithCustomError(attacker, "MockBreakerAttackerCallback")
      .withArgs(address);
  });

  it("pays callbacks only to the pool of the call in progress", async () => {
    const { attacker, stranger } = await loadFixture(attackerFixture);
    await expect(attacker.connect(stranger).uniswapV3SwapCallback(1n, 0n, "0x"))
      .to.be.revertedWithCustomError(attacker, "MockBreakerAttackerCallback")
      .withArgs(stranger.address);
    await expect(attacker.connect(stranger).uniswapV3MintCallback(0n, 1n, "0x"))
      .to.be.revertedWithCustomError(attacker, "MockBreakerAttackerCallback")
      .withArgs(stranger.address);
  });

  it("mints dust liquidity in range, which writes an observation", async () => {
    const { market, attacker } = await loadFixture(attackerFixture);
    const pool = market.pool("WETH", "USDC", 500);
    const [, tick, indexBefore] = await pool.contract.slot0();
    const spacing = BigInt(pool.tickSpacing);
    const lower = (tick / spacing - 1n) * spacing;
    await expect(attacker.mint(pool.address, lower, lower + 3n * spacing, 1n)).to.emit(pool.contract, "Mint");
    const [, , indexAfter] = await pool.contract.slot0();
    expect(indexAfter).to.not.equal(indexBefore);
  });
});
