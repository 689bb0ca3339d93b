/**
 * Reading what a user names (a file, a JSON argument) with the caller's kind of input error: the
 * simulator's SimError and the operator tasks' OpsInputError alike, so that a mistyped path or a
 * malformed file is reported as bad input with the reason, never as a stack trace.
 */
import { readFileSync } from "node:fs";

/** `read()`'s result; when it throws, `failure` of the reason instead. */
export function readOrFail<T>(read: () => T, failure: (reason: string) => Error): T {
  try {
    return read();
  } catch (error) {
    throw failure((error as Error).message);
  }
}

/** A UTF-8 file's text; `failure` of the reason when it cannot be read. */
export function readTextFile(file: string, failure: (reason: string) => Error): string {
  return readOrFail(() => readFileSync(file, "utf8"), failure);
}
