import { expect } from "chai";

import { formatAmount, formatDuration, formatPercent, OpsInputError, parseAmount, parseBytes32 } from "../../src/ops";

describe("operator input and output units", function () {
  it("parses whole-token amounts exactly into raw units", function () {
    expect(parseAmount("1000.5", 6, "--amount", "USDC")).to.equal(1_000_500_000n);
    expect(parseAmount(" 0.000001 ", 6, "--amount", "USDC")).to.equal(1n);
    expect(parseAmount("12", 18, "--shares", "BLST")).to.equal(12n * 10n ** 18n);
    expect(parseAmount("0", 6, "--min-assets", "USDC", { allowZero: true })).to.equal(0n);
  });

  it("refuses more decimals than the token has, exponents, signs, separators and zero", function () {
    expect(() => parseAmount("0.0000001", 6, "--amount", "USDC")).to.throw(
      OpsInputError,
      "--amount 0.0000001 has 7 decimals but USDC has 6: give at most 6",
    );
    for (const bad of ["1e6", "-1", "+1", "1,000", "1_000", ".5", "5.", "", "abc", "0x10"]) {
      expect(() => parseAmount(bad, 6, "--amount", "USDC"), bad).to.throw(
        OpsInputError,
        /is not a decimal number of USDC/,
      );
    }
    expect(() => parseAmount("0.000", 6, "--amount", "USDC")).to.throw(
      OpsInputError,
      "--amount must be more than 0 USDC",
    );
  });

  it("formats amounts truncated, with separators, and dust as dust", function () {
    expect(formatAmount(1_234_567_891n, 6)).to.equal("1,234.567891");
    expect(formatAmount(1_234_567_891n, 6, 2)).to.equal("1,234.56");
    expect(formatAmount(10n ** 24n, 18)).to.equal("1,000,000");
    expect(formatAmount(1n, 18)).to.equal("<0.000001");
    expect(formatAmount(0n, 6)).to.equal("0");
    expect(formatPercent(4_012n)).to.equal("40.12%");
    expect(formatPercent(-5n)).to.equal("-0.05%");
    expect(formatDuration(172_800)).to.equal("2d");
    expect(formatDuration(3_661)).to.equal("1h 1m");
    expect(formatDuration(0)).to.equal("0s");
  });

  it("reads a salt as 32-byte hex or hashed text, and an operation id only as hex", function () {
    const hex = `0x${"ab".repeat(32)}`;
    expect(parseBytes32(hex, "--salt", true)).to.equal(hex);
    expect(parseBytes32(undefined, "--salt", true)).to.equal(`0x${"0".repeat(64)}`);
    expect(parseBytes32("v1", "--salt", true)).to.match(/^0x[0-9a-f]{64}$/);
    expect(() => parseBytes32("v1", "--predecessor", false)).to.throw(OpsInputError, /not a 32-byte hex value/);
  });
});
