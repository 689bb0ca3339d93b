import { expect } from "chai";

import { isSettled, nextTx, phaseText, startTx, txSteps } from "../../app/src/logic/txstate";

const HASH = `0x${"ab".repeat(32)}`;

describe("app: a transaction's states", () => {
  it("goes wallet -> pending (with its hash) -> included -> confirmed", () => {
    let tx = startTx("Deposit");
    expect(tx.phase).to.equal("wallet");
    tx = nextTx(tx, { type: "sent", hash: HASH });
    expect(tx).to.include({ phase: "pending", hash: HASH });
    tx = nextTx(tx, { type: "included", block: 12 });
    expect(tx).to.include({ phase: "included", block: 12 });
    expect(phaseText(tx)).to.contain("block 12");
    expect(isSettled(tx)).to.equal(false);
    expect(txSteps(tx).map((s) => s.done)).to.deep.equal([true, true, false]);
    tx = nextTx(tx, { type: "confirmed" });
    expect(tx.phase).to.equal("confirmed");
    expect(txSteps(tx)).to.deep.equal([
      { label: "Pending", done: true },
      { label: "Included in block 12", done: true },
      { label: "Confirmed", done: true },
    ]);
    expect(txSteps(startTx("Deposit"))).to.deep.equal([]);
    expect(isSettled(tx)).to.equal(true);
    // An end state is final.
    expect(nextTx(tx, { type: "sent", hash: "0x00" })).to.equal(tx);
  });

  it("ends a declined request calmly and a failure with its explanation", () => {
    const rejected = nextTx(startTx("Approve"), {
      type: "failed",
      error: {
        kind: "rejected",
        title: "Request declined",
        sentence: "You declined it in your wallet; nothing was sent.",
      },
    });
    expect(rejected.phase).to.equal("rejected");
    expect(phaseText(rejected)).to.equal("You declined it in your wallet; nothing was sent.");
    const failed = nextTx(startTx("Deposit"), {
      type: "failed",
      error: { kind: "revert", title: "BallastRouterTooFewShares(1, 2)", sentence: "The price moved." },
    });
    expect(failed.phase).to.equal("failed");
    expect(phaseText(failed)).to.equal("BallastRouterTooFewShares(1, 2): The price moved.");
  });

  it("never moves backwards", () => {
    const included = nextTx(nextTx(startTx("Deposit"), { type: "sent", hash: HASH }), { type: "included", block: 3 });
    expect(nextTx(included, { type: "sent", hash: "0x01" })).to.equal(included);
  });
});
