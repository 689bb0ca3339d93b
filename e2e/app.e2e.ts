/**
 * `npm run test:e2e`: the built app (app/dist) in Debian's Chromium against a Hardhat node with
 * the real deployment, driven by playwright-core with a test EIP-1193 wallet. Fifteen journeys,
 * each asserting the chain's state afterwards; screenshots of each end state to reports/app/.
 */
import { expect } from "chai";

import { faultJourneys } from "./faults.journeys";
import { flowJourneys } from "./flows.journeys";
import type { Timing } from "./flows.journeys";
import { startWorld } from "./harness";
import type { World } from "./harness";

/** Budget of the first meaningful render (the vault's NAV on screen), from navigation start. */
const FIRST_RENDER_BUDGET_MS = 1_500;

describe("depositor app in Chromium (e2e)", function () {
  this.timeout(180_000);
  let world: World | undefined;
  const timing: Timing = {};

  before(async function () {
    this.timeout(900_000);
    world = await startWorld();
  });

  after(async () => {
    await world?.close();
    if (timing.firstRenderMs !== undefined) {
      console.log(
        `      first meaningful render: ${timing.firstRenderMs.toFixed(0)} ms (budget ${FIRST_RENDER_BUDGET_MS} ms)`,
      );
    }
  });

  const current = (): World => {
    if (!world) throw new Error("the e2e world did not start");
    return world;
  };

  flowJourneys(current, timing);
  faultJourneys(current);

  it("first meaningful render within budget", () => {
    expect(timing.firstRenderMs).to.be.lessThan(FIRST_RENDER_BUDGET_MS);
  });
});
