/**
 * Each network's trigger and target bands are the strategy lab's recommendation for its basket, its
 * pools' fee tier and its chain's gas, at the contracts' measured gas (issue 17: the defaults come
 * from the lab). The sweep is the one `npm run backtest -- --sweep` runs, cited in the configs.
 */
import { expect } from "chai";

import { NETWORKS } from "../../deploy/config/networks";
import { ASSET_CATALOG, runSweep } from "../../src/sim";

/** Assets the lab's catalog does not model, swept as the one they track. */
const SWEPT_AS: Readonly<Record<string, string>> = { cbBTC: "WBTC" };

describe("network configurations: bands from the lab's sweep", function () {
  this.timeout(120_000);

  for (const config of Object.values(NETWORKS)) {
    it(`${config.network}: trigger ${config.triggers.triggerBandBps} bp, target ${config.triggers.targetBandBps} bp`, () => {
      const assets = config.basket.slice(1).map(({ symbol }) => SWEPT_AS[symbol] ?? symbol);
      for (const symbol of assets)
        expect(
          ASSET_CATALOG.map((a) => a.symbol),
          symbol,
        ).to.include(symbol);
      const sweep = runSweep({
        assets,
        weightsBps: config.basket.map((entry) => entry.weightBps),
        feePips: config.sweep.feePips,
        baseFeeGwei: config.sweep.gasGwei,
      });
      expect(sweep.recommended.mode).to.equal("edge");
      expect([sweep.recommended.triggerBps, sweep.recommended.targetBps]).to.deep.equal([
        config.triggers.triggerBandBps,
        config.triggers.targetBandBps,
      ]);
    });
  }
});
