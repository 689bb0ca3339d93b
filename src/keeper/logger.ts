/**
 * Structured logs: one JSON object per line, `{ ts, level, event, vault?, ...fields }`, so that log
 * pipelines (Loki, CloudWatch, jq) can filter on `event` and `vault` without parsing prose.
 */
import { isoTime, systemClock } from "./clock";
import type { Clock } from "./clock";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Event fields: anything JSON can carry once bigints are strings and errors are described. */
export type LogFields = Record<string, unknown>;

export interface LogRecord extends LogFields {
  ts: string;
  level: LogLevel;
  event: string;
  vault?: string;
}

export interface KeeperLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** JSON.stringify that keeps bigints exact (as decimal strings) and turns errors into their message. */
export function toJsonLine(record: LogRecord): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Error) {
      const { code } = value as Error & { code?: unknown };
      return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
    }
    return value;
  });
}

function record(level: LogLevel, event: string, fields: LogFields | undefined, now: Clock): LogRecord {
  return { ts: isoTime(now()), level, event, ...fields };
}

/** Writes records at or above `minLevel` as JSON lines (stdout by default). */
export function jsonLogger(
  options: { minLevel?: LogLevel; write?: (line: string) => void; clock?: Clock } = {},
): KeeperLogger {
  const min = LOG_LEVELS.indexOf(options.minLevel ?? "info");
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.clock ?? systemClock;
  return {
    log(level, event, fields) {
      if (LOG_LEVELS.indexOf(level) < min) return;
      write(toJsonLine(record(level, event, fields, now)));
    },
  };
}

/** Keeps every record in memory (tests, embedding the keeper in another service). */
export class MemoryLogger implements KeeperLogger {
  readonly records: LogRecord[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  log(level: LogLevel, event: string, fields?: LogFields): void {
    // Round-trip through JSON so that what is kept is exactly what a log line would carry.
    this.records.push(JSON.parse(toJsonLine(record(level, event, fields, this.clock))) as LogRecord);
  }

  /** The records of `event` (optionally for one vault). */
  events(event: string, vault?: string): LogRecord[] {
    return this.records.filter((r) => r.event === event && (vault === undefined || r.vault === vault));
  }
}

/**
 * Logs a vault's lasting conditions once per episode: at their level the first time, then at debug
 * while the same condition lasts, so that a state holding for many blocks makes one line, not one
 * per block.
 */
export class EpisodeLog {
  private readonly last = new Map<string, string>();

  constructor(private readonly logger: KeeperLogger) {}

  note(vault: string, level: LogLevel, event: string, fields: LogFields): void {
    const repeated = this.last.get(vault) === event;
    this.last.set(vault, event);
    this.logger.log(repeated ? "debug" : level, event, { vault, ...fields });
  }

  /** Something changed for `vault` (its status, a transaction sent): its next condition logs anew. */
  reset(vault: string): void {
    this.last.delete(vault);
  }
}
