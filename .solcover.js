// Coverage of the product's contracts: test doubles and benchmark baselines are not the product.
module.exports = {
  skipFiles: ["mocks/", "bench/", "governance/"],
  // Instrumented contracts are unoptimised and every EVM step is traced: a fixture that rebalances
  // takes far longer than in `npm test`.
  mocha: { timeout: 600_000 },
};
