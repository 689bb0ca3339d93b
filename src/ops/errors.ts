/**
 * Errors of the operator commands. Kept free of typechain imports: the Hardhat task files import
 * this module when the config loads, before `typechain-types/` exists on a clean clone.
 */
/**
 * Bad input or a refusal before any transaction is sent: an unknown vault, an amount with too many
 * decimals, a balance too small, a rebalance in cooldown, an operation not ready. The message names
 * the problem and, where there is one, the way out; the tasks print it without a stack trace.
 */
export class OpsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsInputError";
  }
}
