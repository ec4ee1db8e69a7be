// The compiler never crashes and never hangs on bad input: every zoo file with random
// token-level damage, and random token soup, comes back from parse + check (what `archc
// check` runs) as diagnostics, within a CPU-time budget. Seeded (ARCHC_SEED) and shrunk by
// fast-check; scripts/fuzz.mts runs many more cases (docs/reliability.md).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { catalogue } from "../../src/compiler/diagnostics/catalogue.js";
import { renderDiagnostics } from "../../src/compiler/diagnostics/render.js";
import { displayPath } from "../../src/compiler/workspace.js";
import { arbMutatedFile, arbTokenStream, applyMutation, describeCase, mutate, zooSource, type Mutation } from "./mutations.js";
import { checkSource, failure, type Outcome } from "./harness.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const scale = Number(process.env.ARCHC_FUZZ_SCALE ?? 1);

/** Diagnostics a user can read: catalogued codes, messages, spans inside the text, renderable. */
function expectWellFormed(o: Outcome, path: string, text: string): void {
  const why = failure(o);
  expect(why, why).toBeUndefined();
  for (const d of o.diagnostics!) {
    expect(Object.keys(catalogue)).toContain(d.code);
    expect(d.message.length).toBeGreaterThan(0);
    if (d.span && d.span.file === displayPath(path)) {
      expect(d.span.offset).toBeGreaterThanOrEqual(0);
      expect(d.span.offset).toBeLessThanOrEqual(text.length);
      expect(d.span.line).toBeGreaterThanOrEqual(1);
    }
  }
  expect(() => renderDiagnostics(o.diagnostics!, new Map([[displayPath(path), text]]))).not.toThrow();
}

describe("parse + check never throw or hang", () => {
  it("on zoo files with random token-level damage", () => {
    fc.assert(
      fc.property(arbMutatedFile(), (mf) => {
        const text = mutate(mf);
        const o = checkSource(mf.file, text);
        if (failure(o)) throw new Error(`${describeCase(mf)}: ${failure(o)}`);
        expectWellFormed(o, mf.file, text);
      }),
      { seed, numRuns: Math.round(700 * scale) },
    );
  }, 600_000);

  it("on random token streams", () => {
    fc.assert(
      fc.property(arbTokenStream, (text) => expectWellFormed(checkSource("fuzz.arch", text), "fuzz.arch", text)),
      { seed, numRuns: Math.round(1500 * scale) },
    );
  }, 600_000);

  // Crashes the fuzzer found, kept as regressions (each was an uncaught exception or a hang).
  const llama = "models/llama.arch";
  const found: [string, string, string][] = [
    ["3000 nested brackets (the parser's recursion)", llama, zooSource(llama).replace('let prefix = "Llama"', `let prefix = "Llama"\n  let deep = ${"[".repeat(3000)}1${"]".repeat(3000)}`)],
    ["3000 unclosed brackets in a forward body", llama, zooSource(llama).replace("return h + mlp", `return ${"(".repeat(3000)}h + mlp`)],
    ["5000 prefix minus signs", llama, zooSource(llama).replace('let prefix = "Llama"', `let prefix = "Llama"\n  let deep = ${"- ".repeat(5000)}1`)],
    ["a 5000-term sum in a config value (the evaluator's recursion)", llama, zooSource(llama).replace('let prefix = "Llama"', `let prefix = "Llama"\n  let deep = ${"1 + ".repeat(5000)}1`)],
    ["a 5000-term sum in a forward body (the checker's recursion)", llama, zooSource(llama).replace("return h + mlp(post_attention_layernorm(h))", `return h + mlp(post_attention_layernorm(h))${" + h".repeat(5000)}`)],
    ["if … then if … 3000 deep", llama, zooSource(llama).replace('let prefix = "Llama"', `let prefix = "Llama"\n  let deep = ${"if true then ".repeat(3000)}1${" else 2".repeat(3000)}`)],
    ["n_layers = 10^29 (a range of that many layers)", llama, zooSource(llama).replace("n_layers = 2", "n_layers = 123456789012345678901234567890")],
    ["n_layers = 65536 (a module tree of millions)", llama, zooSource(llama).replace("n_layers = 2", "n_layers = 65536")],
    ["chunk(x, 99999999) (a tuple of 10^8 parts)", "models/phi3.arch", zooSource("models/phi3.arch").replace("chunk(gate_up_proj(x), 2)", "chunk(gate_up_proj(x), 99999999)")],
    ["split(…, axis = 10^29) (an axis past the rank)", "models/chatglm2.arch", zooSource("models/chatglm2.arch").replace("[heads, kv_heads, kv_heads], 2)", "[heads, kv_heads, kv_heads], 123456789012345678901234567890)")],
    ["an LSTM of 2^32 layers (its weight list)", "models/lstm.arch", zooSource("models/lstm.arch").replace("n_layers = 2 }", "n_layers = 4294967296 }")],
    ["a 100 000-character name in a tie (the did-you-mean edit distance)", "models/transfo-xl.arch", zooSource("models/transfo-xl.arch").replace("transformer.word_emb.emb_layers.2.weight", `transformer.word_emb${"x".repeat(100_000)}.emb_layers.2.weight`)],
  ];
  for (const [what, path, text] of found) {
    it(`regression: ${what}`, () => {
      const o = checkSource(path, text);
      expectWellFormed(o, path, text);
      expect(o.diagnostics!.some((d) => d.severity === "error")).toBe(true);
    });
  }

  it("the mutations are reproducible (a case printed by a failure replays exactly)", () => {
    const m: Mutation[] = [{ kind: "swap", at: 17, with: 99 }, { kind: "number", at: 3, text: "0" }];
    expect(m.reduce(applyMutation, zooSource(llama))).toBe(m.reduce(applyMutation, zooSource(llama)));
    expect(fc.sample(arbMutatedFile(), { seed: 5, numRuns: 3 })).toEqual(fc.sample(arbMutatedFile(), { seed: 5, numRuns: 3 }));
  });
});
