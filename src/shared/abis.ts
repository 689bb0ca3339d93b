/**
 * The ABIs that Node callers (the keeper, src/ops) decode reverts with, from typechain. Kept apart
 * from ./revert.ts, which must load before typechain-types exist and in the browser; the app builds
 * its own list from the compiled artifacts (app/src/chain/contracts.ts).
 */
import type { Interface } from "ethers";

import * as typechain from "../../typechain-types";

let cached: readonly Interface[] | undefined;

/**
 * Every ABI a failed Ballast call can take its error from: IBallastErrors (every Ballast error),
 * each contract's own (the OpenZeppelin and library errors it inherits or links), the timelock's
 * and ERC-20's. Uniswap reverts with strings, which need no ABI.
 */
export function errorInterfaces(): readonly Interface[] {
  cached ??= [
    typechain.IBallastErrors__factory,
    typechain.BallastVault__factory,
    typechain.BallastRebalancer__factory,
    typechain.BallastPolicy__factory,
    typechain.BallastBreakers__factory,
    typechain.BallastPlanner__factory,
    typechain.BallastRouter__factory,
    typechain.ChainlinkOracle__factory,
    typechain.UniswapTwapOracle__factory,
    typechain.TimelockController__factory,
    typechain.IERC20Errors__factory,
  ].map((factory) => factory.createInterface());
  return cached;
}
