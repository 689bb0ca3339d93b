import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The BallastRouter: deadline and slippage bounds for depositors, for any vault (each call names
 * one), so one per chain. Stateless, ownerless, no constructor argument. The Ballast module uses it,
 * and it deploys alone too (`npx hardhat ignition deploy deploy/modules/BallastRouter.ts`).
 */
export default buildModule("BallastRouter", (m) => ({ router: m.contract("BallastRouter") }));
