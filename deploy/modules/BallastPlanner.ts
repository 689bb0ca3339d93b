import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The BallastPlanner: the on-chain plan every rebalancer on a chain asks for when no keeper brings
 * one. Stateless, ownerless, no constructor argument, so one per chain. The Ballast module uses it,
 * and it deploys alone too (`npx hardhat ignition deploy deploy/modules/BallastPlanner.ts`).
 */
export default buildModule("BallastPlanner", (m) => ({ planner: m.contract("BallastPlanner") }));
