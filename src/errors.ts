/**
 * A user-facing configuration error. `field` is the dotted path of the offending entry
 * (e.g. "model.d"); the message names it and the allowed range, so the CLI can print it as is
 * and exit non-zero.
 */
export class ConfigError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** Bad input that is not the spec (an output folder, a folder given on the line): exit 2 with one line, no usage text. */
export class InputError extends Error {}
