// Writes a bench model (config.json + model.safetensors) as one flat float32 file for
// c-decode.c: 7 int32 (dim, hidden, layers, heads, kv_heads, vocab, seq), then the tensors
// grouped by kind across layers. Measurement tooling only.
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error("usage: node flatten.mjs BENCH_MODEL_DIR OUT.bin");
const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const fd = openSync(join(dir, "model.safetensors"), "r");
const lenBuf = Buffer.alloc(8);
readSync(fd, lenBuf, 0, 8, 0);
const headerLen = Number(lenBuf.readBigUInt64LE(0));
const headerBuf = Buffer.alloc(headerLen);
readSync(fd, headerBuf, 0, headerLen, 8);
const header = JSON.parse(headerBuf.toString("utf8"));
const o = openSync(out, "w");
// The decoder's KV cache must hold the protocol's 256 positions even when the config
// declares fewer (test checkpoints).
const hdr = new Int32Array([cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers, cfg.num_attention_heads,
  cfg.num_key_value_heads ?? cfg.num_attention_heads, cfg.vocab_size, Math.max(cfg.max_position_embeddings, 256)]);
writeSync(o, Buffer.from(hdr.buffer));
function copy(name) {
  const t = header[name];
  if (!t || t.dtype !== "F32") throw new Error(`${name}: missing or not F32`);
  const [a, b] = t.data_offsets;
  const buf = Buffer.alloc(b - a);
  readSync(fd, buf, 0, b - a, 8 + headerLen + a);
  writeSync(o, buf);
}
const L = cfg.num_hidden_layers;
const each = (suffix) => { for (let l = 0; l < L; l++) copy(`model.layers.${l}.${suffix}`); };
copy("model.embed_tokens.weight");
each("input_layernorm.weight");
for (const p of ["q", "k", "v", "o"]) each(`self_attn.${p}_proj.weight`);
each("post_attention_layernorm.weight");
for (const p of ["gate", "down", "up"]) each(`mlp.${p}_proj.weight`);
copy("model.norm.weight");
copy(cfg.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
closeSync(o);
closeSync(fd);
