// Autoregressive generation: one prefill call over the prompt, then one token per call
// with the KV cache (or recurrent state) carried in the forward context. An
// encoder-decoder model reads the prompt through its context input (the encoder's, run
// once) and generates its stream input from the decoder's start tokens.
import { IntTensor } from "../tensor.js";
import type { ModelSession } from "../model/session.js";
import { Sampler, type SamplingOptions } from "./sampling.js";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  onToken?: (id: number, step: number) => void;
  /** The input the generated tokens are fed to (default: the root's stream input). */
  inputName?: string;
  /** Models with a context input: the tokens the generated stream starts with (decoder_start_token_id). */
  decoderStart?: number[];
}

export function generate(session: ModelSession, prompt: number[], opts: GenerateOptions): number[] {
  const sampler = new Sampler(opts);
  const ctx = session.newContext(true);
  const name = opts.inputName ?? session.streamInput ?? "input_ids";
  const ids = (xs: number[]) => new IntTensor(Int32Array.from(xs), [1, xs.length]);
  const fixed: Record<string, IntTensor> = {};
  let next = ids(prompt);
  const context = session.contextInputs.filter((n) => n !== name);
  if (context.length > 0) {
    if (!opts.decoderStart?.length) {
      throw new Error(`the model reads the prompt as ${context[0]} and generates ${name}: give the tokens ${name} starts with (decoder_start_token_id)`);
    }
    fixed[context[0]!] = next;
    next = ids(opts.decoderStart);
  }
  // The stream grows by every token but the last, which is never fed back.
  ctx.expectedPositions = next.shape[1]! + opts.maxNewTokens - 1;
  const out: number[] = [];
  for (let step = 0; step < opts.maxNewTokens; step++) {
    // The logits are read right here: they may stay in the heap until the next call.
    const { output } = session.forward({ ...fixed, [name]: next }, ctx, undefined, { lastPosition: true, emitted: false, lendOutput: true });
    const vocab = output.shape[output.shape.length - 1]!;
    const rows = output.data.length / vocab;
    const id = sampler.pick(output.data, (rows - 1) * vocab, vocab);
    out.push(id);
    opts.onToken?.(id, step);
    next = new IntTensor(Int32Array.of(id), [1, 1]);
  }
  return out;
}
