import { main as deploy } from "../../scripts/deploy";

import { expectScriptError } from "./helpers";

/**
 * What only scripts/deploy.ts does: read its flags from variables. The deployment and the checks it
 * shares with `npm run deploy` run for both in test/deploy/deploy.test.ts.
 */
describe("scripts/deploy.ts", function () {
  it("refuses CHECK_ONLY=yes: a switch is true or false", async function () {
    await expectScriptError(deploy, { CHECK_ONLY: "yes" }, /Invalid value yes for argument CHECK_ONLY of type boolean/);
  });
});
