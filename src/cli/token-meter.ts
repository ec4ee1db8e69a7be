// Generation speed as a person watches it: a status line redrawn after every token, then
// one summary line. The first token waits for the prompt's forward pass (prefill), so the
// decoding rate is measured from the first token on, as the tokens/s of LLM runtimes are.

export interface TokenMeterSummary {
  tokens: number;
  seconds: number;
  /** Until the first token: the prompt's forward pass. */
  prefillSeconds: number;
  /** Tokens after the first, per second of decoding; over the whole run when there is one token. */
  tokensPerSecond: number;
  summary: string;
}

export class TokenMeter {
  private readonly start = performance.now();
  private first: number | undefined;
  private count = 0;
  private drawn = 0;

  /** `draw` receives `\r`-prefixed status lines (see Io.progress); none when undefined. */
  constructor(
    private readonly total: number,
    private readonly draw?: (s: string) => void,
  ) {}

  token(id: number): void {
    const now = performance.now();
    this.first ??= now;
    this.count++;
    if (!this.draw) return;
    const rate = this.count > 1 ? `${this.rate(now).toFixed(1)} tokens/s` : `first token after ${ms(now - this.start)}`;
    this.redraw(`token ${this.count}/${this.total} (id ${id})  ${rate}`);
  }

  /** Clears the status line and returns the totals. */
  finish(): TokenMeterSummary {
    const now = performance.now();
    if (this.draw && this.drawn) this.draw(`\r${" ".repeat(this.drawn)}\r`);
    const seconds = (now - this.start) / 1000;
    const prefillSeconds = ((this.first ?? now) - this.start) / 1000;
    const tokensPerSecond = this.count > 1 ? this.rate(now) : this.count / Math.max(seconds, 1e-9);
    const summary =
      `${this.count} token${this.count === 1 ? "" : "s"} in ${seconds.toFixed(2)} s: ` +
      `first after ${ms(prefillSeconds * 1000)}, ${tokensPerSecond.toFixed(1)} tokens/s`;
    return { tokens: this.count, seconds, prefillSeconds, tokensPerSecond, summary };
  }

  private rate(now: number): number {
    return (this.count - 1) / Math.max((now - this.first!) / 1000, 1e-9);
  }

  // Padded to the widest line so far, so that a shorter line hides a longer one.
  private redraw(line: string): void {
    this.draw!(`\r${line.padEnd(this.drawn)}`);
    this.drawn = Math.max(this.drawn, line.length);
  }
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
}
