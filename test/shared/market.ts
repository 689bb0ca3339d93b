import hre from "hardhat";

import { deployLocalMarket as deployMarket } from "../../src/market";
import type { LocalMarket } from "../../src/market";

type StepListener = (...args: unknown[]) => void;

/** The parts of Hardhat's EDR provider chain that solidity-coverage hooks its step listener into. */
interface TracedProvider {
  _wrapped?: TracedProvider;
  _node?: {
    _vm: {
      evm: {
        events: {
          listeners(event: "step"): StepListener[];
          removeListener(event: "step", listener: StepListener): void;
          on(event: "step", listener: StepListener): void;
        };
      };
    };
  };
}

/**
 * {@link deployMarket} for tests. Under `npm run coverage`, solidity-coverage reads every EVM step
 * of every transaction; the market holds none of Ballast's instrumented contracts (Uniswap's npm
 * bytecode, WETH9 and the mocks), yet its deployment is 7-8 million steps, about two minutes a
 * fixture. So the step listeners are detached while it deploys: coverage loses nothing, and the
 * suite runs in a fraction of the time. Outside coverage this is {@link deployMarket} itself.
 */
export async function deployLocalMarket(...args: Parameters<typeof deployMarket>): Promise<LocalMarket> {
  if (!(hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) {
    return deployMarket(...args);
  }
  let provider = hre.network.provider as unknown as TracedProvider;
  while (provider._wrapped) provider = provider._wrapped;
  const events = provider._node?._vm.evm.events;
  const listeners = events?.listeners("step") ?? [];
  for (const listener of listeners) events!.removeListener("step", listener);
  try {
    return await deployMarket(...args);
  } finally {
    for (const listener of listeners) events!.on("step", listener);
  }
}
