/**
 * Typed runtime errors. Generated forward passes surface these to the user, so
 * each carries the op name and both sides of the disagreement as data (for
 * tools) and in the message (for people).
 */

export class RuntimeShapeError extends Error {
  override readonly name = "RuntimeShapeError";

  constructor(
    readonly op: string,
    readonly expected: string,
    readonly found: string,
    detail?: string,
  ) {
    super(`${op}: expected ${expected}, found ${found}${detail ? ` (${detail})` : ""}`);
  }
}

/** An index (token id, gather index, axis) outside the range it selects from. */
export class RuntimeIndexError extends Error {
  override readonly name = "RuntimeIndexError";

  constructor(
    readonly op: string,
    readonly index: number,
    readonly limit: number,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
  }
}

/** An option or argument value the op does not support (unknown activation, bad window). */
export class RuntimeArgumentError extends Error {
  override readonly name = "RuntimeArgumentError";

  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
  }
}
