import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";

import { driftedFixture } from "../keeper/helpers";
import { SCRIPT } from "../shared/entry";

/**
 * What only scripts/keeper.ts does: read its flags from variables. What it shares with the keeper
 * task runs for both in test/keeper/task.test.ts.
 */
describe("scripts/keeper.ts", () => {
  it("takes a switch as true or false only, as on the command line", async () => {
    const { vault } = await loadFixture(driftedFixture);
    await expect(SCRIPT.run("keeper", { vault: await vault.getAddress(), once: "yes" })).to.be.rejectedWith(
      /Invalid value yes for argument ONCE of type boolean/,
    );
  });
});
