/**
 * A checkpoint that cannot be trusted. Carries the file, the tensor when one is
 * at fault, and what was expected versus found, so the CLI can print a precise
 * diagnostic and tests can assert on fields rather than on wording.
 */
export class WeightsError extends Error {
  override readonly name = "WeightsError";
  readonly file: string;
  readonly tensor: string | undefined;
  readonly expected: string;
  readonly found: string;

  constructor(fields: { file: string; tensor?: string; expected: string; found: string; detail?: string }) {
    const where = fields.tensor === undefined ? fields.file : `${fields.file}: tensor ${JSON.stringify(fields.tensor)}`;
    const detail = fields.detail ? ` (${fields.detail})` : "";
    super(`${where}: expected ${fields.expected}, found ${fields.found}${detail}`);
    this.file = fields.file;
    this.tensor = fields.tensor;
    this.expected = fields.expected;
    this.found = fields.found;
  }
}
