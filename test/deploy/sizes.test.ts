import { expect } from "chai";
import { artifacts } from "hardhat";

/** EIP-170: the largest runtime code a contract may deploy. */
const EIP_170 = 24_576;

/**
 * The most runtime code a contract may grow to here: 576 bytes under EIP-170, so that a later fix
 * still fits without another split (before issue 16 the vault was 17 bytes under the limit).
 */
const SIZE_BUDGET = 24_000;

/** Ballast's deployable contracts and linked libraries (mocks and bench baselines aside). */
const CONTRACTS = [
  "BallastVault",
  "BallastRebalancer",
  "BallastPlanner",
  "BallastPolicy",
  "BallastBreakers",
  "VaultLogic",
  "BasketAdmin",
  "FeeMath",
  "ChainlinkOracle",
  "UniswapTwapOracle",
  "BallastRouter",
] as const;

/** Issue 16's target for every contract: 20 KB of runtime code. */
const TARGET = 20_480;

describe("contract sizes", () => {
  for (const name of CONTRACTS) {
    it(`${name} deploys: its runtime code is within EIP-170's 24,576 bytes, the 24,000-byte budget and 20 KB`, async () => {
      const artifact = await artifacts.readArtifact(name);
      const size = (artifact.deployedBytecode.length - 2) / 2;
      expect(size, `${name}: ${size} bytes`).to.be.greaterThan(0);
      expect(size, `${name}: ${size} bytes`).to.be.at.most(EIP_170);
      expect(size, `${name}: ${size} bytes, over the budget by ${size - SIZE_BUDGET}`).to.be.at.most(SIZE_BUDGET);
      expect(size, `${name}: ${size} bytes, over 20 KB by ${size - TARGET}`).to.be.at.most(TARGET);
    });
  }
});
