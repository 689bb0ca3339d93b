import { describeError } from "../shared/revert";

/** Base class of every error the keeper throws on purpose, so callers can tell them from bugs. */
export class KeeperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option or argument is invalid: the keeper refuses to start rather than guess. */
export class KeeperConfigError extends KeeperError {}

/** An RPC call kept failing after every retry the policy allows. */
export class KeeperRpcError extends KeeperError {
  constructor(
    readonly label: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`RPC ${label} failed after ${attempts} attempt(s): ${describeError(cause)}`, { cause });
  }
}

/** The keeper was asked to stop while it was waiting (a backoff or a poll). */
export class KeeperStoppedError extends KeeperError {
  constructor() {
    super("the keeper is stopping");
  }
}

/** `runOnce` (or `--once`) ended with a vault in error: its caller (CI, cron) should see a failure. */
export class KeeperRunError extends KeeperError {}
