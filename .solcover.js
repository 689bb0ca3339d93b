// Coverage of the product's contracts: test doubles and benchmark baselines are not the product.
module.exports = {
  skipFiles: ["mocks/", "bench/", "governance/"],
};
