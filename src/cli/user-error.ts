import { WeightsError, WeightBindError, ConfigError, RuntimeShapeError, RuntimeArgumentError, RuntimeIndexError } from "../runtime/index.js";
import { FileError, fileError, isErrno } from "./files.js";
import { MemoryBudgetError } from "./memory-budget-error.js";

/**
 * A user's mistake found by another process (the benchmark's measuring process): its
 * message and the kind of error it was, reported as that error would be here (exit 1).
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error classes a user's input can raise (exit 1), by the name --json reports. */
const userErrors = { WeightsError, WeightBindError, ConfigError, RuntimeShapeError, RuntimeArgumentError, RuntimeIndexError, FileError, MemoryBudgetError } as const;

/**
 * `e` as a user's error with its kind, or undefined for a bug. An errno error that escaped
 * without a FileError wrapper is still the user's (a path they gave).
 */
export function asUserError(e: unknown): { kind: string; error: Error } | undefined {
  const user = isErrno(e) ? (fileError(e, e.path ?? "(unknown path)") as Error) : e;
  if (user instanceof UserError) return { kind: user.kind, error: user };
  const kind = Object.entries(userErrors).find(([, k]) => user instanceof k)?.[0];
  return kind ? { kind, error: user as Error } : undefined;
}
