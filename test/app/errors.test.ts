import { expect } from "chai";
import { AbiCoder, ErrorFragment, Interface } from "ethers";
import { artifacts } from "hardhat";

import { ERROR_SENTENCES, explainError } from "../../app/src/logic/errors";
import { describeBreaker, describeNoRebalancer, describeStatus } from "../../app/src/logic/status";
import { decodeRevert, revertData } from "../../src/shared/revert";
import { STATUS_NAMES } from "../../src/vault/enums";

const WETH = "0x00000000000000000000000000000000000000A1";

async function interfaces(): Promise<Interface[]> {
  const names = ["BallastRouter", "BallastVault", "BallastRebalancer", "BallastPolicy", "ERC20"];
  return Promise.all(names.map(async (name) => new Interface((await artifacts.readArtifact(name)).abi)));
}

describe("app: errors explained (one shared revert decoder)", () => {
  it("names only errors that the contracts' ABIs have", async () => {
    const known = new Set(
      (await interfaces()).flatMap((iface) =>
        iface.fragments.filter((f): f is ErrorFragment => ErrorFragment.isFragment(f)).map((f) => f.name),
      ),
    );
    for (const name of Object.keys(ERROR_SENTENCES)) expect(known.has(name), name).to.equal(true);
  });

  it("shows a revert by its custom error's name, with symbols, and a sentence", async () => {
    const ifaces = await interfaces();
    const vault = ifaces[1];
    const data = vault.encodeErrorResult("BallastPriceUnavailable", [WETH]);
    // As a wallet hands it over (EIP-1193 error with nested data) and as ethers wraps it.
    const walletError = { code: -32603, message: "execution reverted", data: { message: "reverted", data } };
    const symbolOf = (a: string) => (a.toLowerCase() === WETH.toLowerCase() ? "WETH" : undefined);
    const explained = explainError(walletError, ifaces, symbolOf);
    expect(explained.kind).to.equal("revert");
    expect(explained.title).to.equal("BallastPriceUnavailable(WETH)");
    expect(explained.sentence).to.equal("WETH's price feed is not answering; exits in kind still work.");
    const wrapped = { code: "CALL_EXCEPTION", info: { error: walletError } };
    expect(revertData(wrapped)).to.equal(data);
    expect(decodeRevert(data, ifaces)).to.equal(`BallastPriceUnavailable(${WETH})`);
  });

  it("decodes the router's slippage refusal", async () => {
    const ifaces = await interfaces();
    const data = ifaces[0].encodeErrorResult("BallastRouterTooFewShares", [10n, 20n]);
    const explained = explainError({ data }, ifaces, () => undefined);
    expect(explained.title).to.equal("BallastRouterTooFewShares(10, 20)");
    expect(explained.sentence).to.contain("slippage tolerance");
  });

  it("explains Uniswap's terse reasons, and shows an unknown error by its selector and data", async () => {
    const ifaces = await interfaces();
    const spl = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(["string"], ["SPL"]).slice(2)}`;
    const explained = explainError({ data: spl }, ifaces, () => undefined);
    expect(explained.title).to.equal("Error(SPL)");
    expect(explained.sentence).to.match(/^Uniswap V3: the swap's price limit/);
    const unknown = `0xdeadbeef${"00".repeat(32)}`;
    expect(explainError({ data: unknown }, ifaces, () => undefined)).to.deep.equal({
      kind: "revert",
      title: `unknown error 0xdeadbeef (data ${unknown})`,
      sentence: "The contract refused the call; nothing was spent.",
    });
  });

  it("treats a wallet rejection calmly, however it is wrapped", async () => {
    const ifaces = await interfaces();
    for (const error of [
      { code: 4001, message: "User rejected" },
      { code: "ACTION_REJECTED", info: { error: { code: 4001 } } },
    ]) {
      const explained = explainError(error, ifaces, () => undefined);
      expect(explained.kind).to.equal("rejected");
      expect(explained.sentence).to.equal("You declined it in your wallet; nothing was sent.");
    }
  });

  it("falls back to the error's first line, and decodes Error(string) and Panic", async () => {
    const ifaces = await interfaces();
    expect(explainError(new Error("network down\nstack"), ifaces, () => undefined)).to.deep.equal({
      kind: "other",
      title: "Something went wrong",
      sentence: "network down",
    });
    const panic = "0x4e487b710000000000000000000000000000000000000000000000000000000000000011";
    expect(decodeRevert(panic, ifaces)).to.equal("Panic(0x11)");
  });

  it("puts the rebalance status and the breaker in words", () => {
    const breaker = describeBreaker(6, 1, ["USDC", "WETH"]);
    expect(breaker).to.include({ tripped: true, reason: "InvalidPrice", asset: "WETH" });
    const status = describeStatus(STATUS_NAMES.indexOf("BreakerTripped"), 0n, 50n, breaker);
    expect(status.name).to.equal("BreakerTripped");
    expect(status.sentence).to.contain("InvalidPrice on WETH");
    expect(status.sentence).to.contain("Exits in kind still work");
    expect(describeStatus(STATUS_NAMES.indexOf("Paused"), 0n, 0n).tone).to.equal("warn");
    expect(describeStatus(99, 0n, 0n).name).to.equal("Unknown(99)");
    expect(describeBreaker(0, 0, []).tripped).to.equal(false);
    // BreakerTripped with no trip recorded: the breakers refuse what they see now (an oracle that
    // failed within their cooldown, a pushed pool), which records nothing.
    const refusing = describeStatus(STATUS_NAMES.indexOf("BreakerTripped"), 0n, 50n, describeBreaker(0, 0, []));
    expect(refusing.sentence).to.contain("refuse trading now");
    expect(refusing.sentence).to.contain("Exits in kind still work");
    for (let i = 0; i < STATUS_NAMES.length; i++) expect(describeStatus(i, 10n, 50n).name).to.equal(STATUS_NAMES[i]);
  });

  it("says so when the vault has no rebalancer (the vault trades only through one)", () => {
    expect(describeNoRebalancer()).to.deep.equal({
      name: "NoRebalancer",
      tone: "warn",
      sentence: "No rebalancer is set: the basket does not trade until governance sets one. Deposits and exits work.",
    });
  });
});
