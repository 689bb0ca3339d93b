import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, Wallet } from "ethers";
import { ethers } from "hardhat";

import { main as deposit } from "../../scripts/deposit";
import { main as redeem } from "../../scripts/redeem";
import { main as status } from "../../scripts/status";
import { emptyFixture, investedFixture } from "../ops/helpers";

import { expectScriptError } from "./helpers";

/**
 * What only the operator scripts (scripts/status.ts, deposit.ts, redeem.ts, ...) do: read their
 * parameters from environment variables, and name those variables when a message names a flag.
 * Everything the scripts share with their tasks runs for both in test/ops/flows.test.ts.
 */
describe("operator scripts", function () {
  it("scripts/status.ts names BALLAST_VAULT behind --vault, and refuses JSON=maybe", async function () {
    await loadFixture(emptyFixture);
    const printed = await expectScriptError(status, { BALLAST_VAULT: "0x1234" }, /--vault "0x1234" is not an address/, [
      "status",
    ]);
    expect(printed).to.match(
      /^Error: --vault "0x1234" is not an address.*\n\(--vault is BALLAST_VAULT for this script\)$/,
    );
    await expectScriptError(
      status,
      { BALLAST_VAULT: Wallet.createRandom().address, JSON: "maybe" },
      /Invalid value maybe for argument JSON of type boolean/,
    );
  });

  it("scripts/deposit.ts asks for AMOUNT, and names MIN_SHARES behind --min-shares", async function () {
    const { vault, alice, vaultAddress } = await loadFixture(investedFixture);
    const env = { BALLAST_VAULT: vaultAddress, FROM: alice.address };
    await expectScriptError(deposit, env, /^set AMOUNT: how much of the base asset/);
    const preview = await vault.previewDeposit(parseUnits("1000", 6));
    const printed = await expectScriptError(
      deposit,
      { ...env, AMOUNT: "1000", MIN_SHARES: ethers.formatUnits(preview + 1n, 18) },
      /--min-shares .* is more than the .* that 1000 USDC buys now \(previewDeposit\): nothing sent/,
      ["deposit"],
    );
    expect(printed).to.match(/\n\(--min-shares is MIN_SHARES for this script\)$/);
  });

  it("scripts/redeem.ts names SHARES and ALL behind --shares and --all", async function () {
    const { bob, vaultAddress } = await loadFixture(investedFixture);
    const printed = await expectScriptError(
      redeem,
      { BALLAST_VAULT: vaultAddress, FROM: bob.address },
      /either --shares <amount> or --all/,
      ["redeem"],
    );
    expect(printed).to.contain("(--shares is SHARES, --all is ALL for this script)");
  });
});
