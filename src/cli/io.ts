// What a command talks to: standard output, standard error and an optional live status line.
// Tests pass their own to capture what a command prints.
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /**
   * A status line redrawn in place (`\r`-prefixed, no newline): live progress for a person
   * at a terminal. Absent, or a no-op when stderr is a file or pipe, where `\r` redraws
   * would pile up in one line; a command ends its progress with a summary through `err`.
   */
  progress?: (s: string) => void;
}
