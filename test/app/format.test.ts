import { expect } from "chai";

import {
  AmountError,
  amountInputValue,
  formatAmount,
  formatBps,
  formatDuration,
  parseAmount,
  shortAddress,
} from "../../app/src/logic/format";

describe("app: amounts (bigint-safe, decimals 6/8/18, locales)", () => {
  it("formats 6, 8 and 18 decimals without losing digits beyond 2^53", () => {
    expect(formatAmount(1_234_567_890n, 6)).to.equal("1,234.5678");
    expect(formatAmount(1_234_567_890n, 6, { maxFraction: 6 })).to.equal("1,234.56789");
    expect(formatAmount(123_456_789n, 8, { maxFraction: 8 })).to.equal("1.23456789");
    const big = 123_456_789_012_345_678_901_234_567_890n; // far beyond Number's precision
    expect(formatAmount(big, 18, { maxFraction: 18 })).to.equal("123,456,789,012.34567890123456789");
    expect(formatAmount(0n, 18)).to.equal("0");
    expect(formatAmount(1n, 18)).to.equal("0");
    expect(formatAmount(1n, 18, { maxFraction: 18 })).to.equal("0.000000000000000001");
  });

  it("rounds down, never showing more than there is", () => {
    expect(formatAmount(1_999_999n, 6, { maxFraction: 2 })).to.equal("1.99");
    expect(formatAmount(-1_500_000n, 6)).to.equal("-1.5");
  });

  it("pads to a minimum of fraction digits", () => {
    expect(formatAmount(1_500_000n, 6, { minFraction: 2, maxFraction: 2 })).to.equal("1.50");
  });

  it("follows the locale's separators", () => {
    expect(formatAmount(1_234_567_890n, 6, { locale: "de-DE" })).to.equal("1.234,5678");
    expect(parseAmount("1.234,5", 6, "de-DE")).to.equal(1_234_500_000n);
    expect(parseAmount("1,234.5", 6, "en-US")).to.equal(1_234_500_000n);
  });

  it("parses typed amounts exactly and refuses what it cannot read", () => {
    expect(parseAmount("10,000", 6)).to.equal(10_000_000_000n);
    expect(parseAmount(" 0.1 ", 18)).to.equal(10n ** 17n);
    expect(parseAmount(".5", 8)).to.equal(50_000_000n);
    expect(parseAmount("123456789012345678901234567890", 18)).to.equal(123456789012345678901234567890n * 10n ** 18n);
    expect(() => parseAmount("1.0000001", 6)).to.throw(AmountError, "At most 6 decimals");
    expect(() => parseAmount("abc", 6)).to.throw(AmountError, "is not a number");
    expect(() => parseAmount("", 6)).to.throw(AmountError, "Enter an amount");
    expect(() => parseAmount("1.2.3", 6)).to.throw(AmountError);
  });

  it("round-trips through an input's value", () => {
    for (const [raw, decimals] of [
      [1_234_500_000n, 6],
      [1n, 18],
      [123_456_789n, 8],
      [0n, 6],
    ] as const) {
      expect(parseAmount(amountInputValue(raw, decimals), decimals)).to.equal(raw);
      expect(parseAmount(amountInputValue(raw, decimals, "de-DE"), decimals, "de-DE")).to.equal(raw);
    }
  });

  it("formats basis points, addresses and durations", () => {
    expect(formatBps(81n)).to.equal("0.81%");
    expect(formatBps(10_000)).to.equal("100%");
    expect(shortAddress("0x1234567890abcdef1234567890abcdef12345678")).to.equal("0x1234…5678");
    expect(formatDuration(3_600)).to.equal("1 h");
    expect(formatDuration(172_800n)).to.equal("2 d");
    expect(formatDuration(61)).to.equal("61 s");
  });
});
