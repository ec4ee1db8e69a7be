import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpointDir, readSafetensors } from "../../src/runtime/index.js";

const CASE = join(import.meta.dirname, "../../../shared/conformance/llama-tiny");

describe.skipIf(!existsSync(CASE))("llama-tiny fixture weights", () => {
  const config = JSON.parse(readFileSync(join(CASE, "config.json"), "utf8")) as Record<string, number | boolean>;
  const d = config.hidden_size as number;
  const headDim = d / (config.num_attention_heads as number);
  const kv = (config.num_key_value_heads as number) * headDim;
  const ffn = config.intermediate_size as number;

  /** The LlamaForCausalLM state dict implied by config.json (tied head: no lm_head.weight). */
  function expectedShapes(): Map<string, number[]> {
    const m = new Map<string, number[]>([["model.embed_tokens.weight", [config.vocab_size as number, d]]]);
    for (let l = 0; l < (config.num_hidden_layers as number); l++) {
      const p = `model.layers.${l}`;
      m.set(`${p}.input_layernorm.weight`, [d]);
      m.set(`${p}.post_attention_layernorm.weight`, [d]);
      m.set(`${p}.self_attn.q_proj.weight`, [d, d]);
      m.set(`${p}.self_attn.k_proj.weight`, [kv, d]);
      m.set(`${p}.self_attn.v_proj.weight`, [kv, d]);
      m.set(`${p}.self_attn.o_proj.weight`, [d, d]);
      m.set(`${p}.mlp.gate_proj.weight`, [ffn, d]);
      m.set(`${p}.mlp.up_proj.weight`, [ffn, d]);
      m.set(`${p}.mlp.down_proj.weight`, [d, ffn]);
    }
    m.set("model.norm.weight", [d]);
    return m;
  }

  it("has exactly the tensors and shapes the config implies", () => {
    expect(config.tie_word_embeddings).toBe(true);
    const f = readSafetensors(join(CASE, "model.safetensors"));
    const expected = expectedShapes();
    expect([...f.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, shape] of expected) expect(f.tensors.get(name)!.shape, name).toEqual(shape);
    expect(f.metadata).toEqual({ format: "pt" });
    expect(f.warnings).toEqual([]);
  });

  it("decodes the same values as a direct little-endian read", () => {
    const raw = readFileSync(join(CASE, "model.safetensors"));
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(raw.subarray(8, 8 + n).toString("utf8")) as Record<string, { data_offsets: [number, number] }>;
    const f = readCheckpointDir(CASE);
    for (const name of ["model.embed_tokens.weight", "model.layers.1.mlp.down_proj.weight", "model.norm.weight"]) {
      const t = f.tensors.get(name)!;
      const begin = 8 + n + header[name]!.data_offsets[0];
      for (const i of [0, 1, t.size - 1]) expect(t.data[i], `${name}[${i}]`).toBe(view.getFloat32(begin + 4 * i, true));
    }
    // Norm weights were drawn as 1 + N(0, 0.1): none sits at exactly 1.
    expect(Array.from(f.tensors.get("model.norm.weight")!.data).some((v) => v === 1)).toBe(false);
  });
});
