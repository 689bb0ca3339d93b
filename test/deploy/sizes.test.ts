import { expect } from "chai";
import { artifacts } from "hardhat";

/** EIP-170: the largest runtime code a contract may deploy. */
const EIP_170 = 24_576;

/** Ballast's deployable contracts and linked libraries (mocks and bench baselines aside). */
const CONTRACTS = [
  "BallastVault",
  "BallastPolicy",
  "VaultLogic",
  "BasketAdmin",
  "FeeMath",
  "ChainlinkOracle",
  "UniswapTwapOracle",
  "BallastRouter",
] as const;

describe("contract sizes", () => {
  for (const name of CONTRACTS) {
    it(`${name} deploys: its runtime code is within EIP-170's 24,576 bytes`, async () => {
      const artifact = await artifacts.readArtifact(name);
      const size = (artifact.deployedBytecode.length - 2) / 2;
      expect(size, `${name}: ${size} bytes`).to.be.greaterThan(0);
      expect(size, `${name}: ${size} bytes`).to.be.at.most(EIP_170);
    });
  }
});
