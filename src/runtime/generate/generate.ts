// Autoregressive generation: one prefill call over the prompt, then one token per call
// with the KV cache (or recurrent state) carried in the forward context.
import { IntTensor } from "../tensor.js";
import type { ModelSession } from "../model/session.js";
import { Sampler, type SamplingOptions } from "./sampling.js";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  onToken?: (id: number, step: number) => void;
  /** Extra inputs given once with the prompt (an encoder's input, for example). */
  inputName?: string;
}

export function generate(session: ModelSession, prompt: number[], opts: GenerateOptions): number[] {
  const sampler = new Sampler(opts);
  const ctx = session.newContext(true);
  const name = opts.inputName ?? session.inputNames[0] ?? "input_ids";
  const out: number[] = [];
  let next = new IntTensor(Int32Array.from(prompt), [1, prompt.length]);
  for (let step = 0; step < opts.maxNewTokens; step++) {
    const { output } = session.forward({ [name]: next }, ctx);
    const vocab = output.shape[output.shape.length - 1]!;
    const rows = output.data.length / vocab;
    const id = sampler.pick(output.data, (rows - 1) * vocab, vocab);
    out.push(id);
    opts.onToken?.(id, step);
    next = new IntTensor(Int32Array.of(id), [1, 1]);
  }
  return out;
}
