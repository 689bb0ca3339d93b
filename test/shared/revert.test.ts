/** The project's one revert decoder (src/shared/revert.ts), on the errors the keeper, ops and the app meet. */
import { expect } from "chai";
import { AbiCoder, Interface, makeError } from "ethers";

import { errorInterfaces } from "../../src/shared/abis";
import {
  decodeRevert,
  decodeRevertData,
  describeError,
  isRevert,
  isUserRejection,
  revertData,
  UNISWAP_REASONS,
} from "../../src/shared/revert";

const abi = AbiCoder.defaultAbiCoder();

/** `Error(reason)` revert data. */
function errorString(reason: string): string {
  return `0x08c379a0${abi.encode(["string"], [reason]).slice(2)}`;
}

describe("shared revert decoder", () => {
  it("names every Ballast, OpenZeppelin and timelock error from the Node ABIs", () => {
    const interfaces = errorInterfaces();
    const policy = new Interface(["error BallastParameterOutOfRange(uint8,uint256,uint256,uint256)"]);
    const ballast = policy.encodeErrorResult("BallastParameterOutOfRange", [0, 501, 1, 500]);
    expect(decodeRevert(ballast, interfaces)).to.equal("BallastParameterOutOfRange(0, 501, 1, 500)");
    const oz = new Interface(["error EnforcedPause()"]).encodeErrorResult("EnforcedPause", []);
    expect(decodeRevert(oz, interfaces)).to.equal("EnforcedPause()");
    const timelock = new Interface(["error TimelockUnexpectedOperationState(bytes32,bytes32)"]);
    const state = timelock.encodeErrorResult("TimelockUnexpectedOperationState", [
      `0x${"11".repeat(32)}`,
      `0x${"00".repeat(31)}04`,
    ]);
    expect(decodeRevertData(state, interfaces).name).to.equal("TimelockUnexpectedOperationState");
  });

  it("explains Uniswap's terse string reasons, and leaves other strings as they are", () => {
    const spl = decodeRevertData(errorString("SPL"), []);
    expect(spl).to.include({ name: "Error", note: UNISWAP_REASONS.SPL });
    expect(spl.args).to.deep.equal(["SPL"]);
    expect(spl.text).to.equal(`Error("SPL") (${UNISWAP_REASONS.SPL})`);
    expect(decodeRevert(errorString("Too little received"), [])).to.equal('Error("Too little received")');
  });

  it("prints an unknown selector with its raw data, and never throws on malformed data", () => {
    const unknown = "0xdeadbeef" + "00".repeat(31) + "2a";
    expect(decodeRevertData(unknown, errorInterfaces())).to.include({
      name: "unknown",
      selector: "0xdeadbeef",
      text: `unknown error 0xdeadbeef (data ${unknown})`,
    });
    // Error(string) and a known custom error, each cut short: their arguments do not decode.
    const truncated = errorString("SPL").slice(0, 20);
    expect(decodeRevertData(truncated, []).text).to.equal(`unknown error 0x08c379a0 (data ${truncated})`);
    const paused = new Interface(["error BallastPriceUnavailable(address)"]).encodeErrorResult(
      "BallastPriceUnavailable",
      [`0x${"a1".repeat(20)}`],
    );
    expect(decodeRevertData(paused.slice(0, 30), errorInterfaces()).name).to.equal("unknown");
    expect(decodeRevertData("0x", []).text).to.equal("unknown error 0x (data 0x)");
  });

  it("describes anything thrown: the decoded revert, else the message after its code", () => {
    const data = errorString("STF");
    const wrapped = { code: "CALL_EXCEPTION", info: { error: { data: { message: "reverted", data } } } };
    expect(revertData(wrapped)).to.equal(data);
    expect(describeError(wrapped)).to.equal(`Error("STF") (${UNISWAP_REASONS.STF})`);
    expect(isRevert(wrapped)).to.equal(true);
    const down = Object.assign(new Error("down"), { code: "SERVER_ERROR" });
    expect(describeError(down)).to.equal("SERVER_ERROR: down");
    expect(isRevert(down)).to.equal(false);
    const ethersError = makeError("insufficient funds", "INSUFFICIENT_FUNDS");
    expect(describeError(ethersError)).to.equal("INSUFFICIENT_FUNDS: insufficient funds");
    expect(describeError("plain")).to.equal("plain");
  });

  it("tells a wallet's refusal, however wrapped, without looping on a cycle", () => {
    expect(isUserRejection({ code: "ACTION_REJECTED", info: { error: { code: 4001 } } })).to.equal(true);
    const cycle: Record<string, unknown> = { code: -32603 };
    cycle.cause = cycle;
    expect(isUserRejection(cycle)).to.equal(false);
    expect(revertData(cycle)).to.equal(undefined);
  });
});
