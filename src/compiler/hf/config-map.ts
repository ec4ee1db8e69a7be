// Hugging Face config.json → hyperparameter values, through the `<-` mappings declared in
// the .arch file. Keys that no hyperparameter reads and that are not known to be
// irrelevant to the forward pass are errors: nothing is silently dropped.
import type { ArchIR, Value } from "../ir/model.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";

// PretrainedConfig attributes and generation settings that never change a forward pass.
const genericKeys = new Set(
  (
    "architectures model_type transformers_version torch_dtype _name_or_path bos_token_id eos_token_id pad_token_id sep_token_id " +
    "decoder_start_token_id initializer_range use_cache return_dict output_hidden_states output_attentions torchscript use_bfloat16 " +
    "pruned_heads chunk_size_feed_forward is_encoder_decoder is_decoder cross_attention_hidden_size add_cross_attention " +
    "tie_encoder_decoder max_length min_length do_sample early_stopping num_beams num_beam_groups diversity_penalty temperature " +
    "top_k top_p typical_p repetition_penalty length_penalty no_repeat_ngram_size encoder_no_repeat_ngram_size bad_words_ids " +
    "num_return_sequences output_scores return_dict_in_generate forced_bos_token_id forced_eos_token_id remove_invalid_values " +
    "exponential_decay_length_penalty suppress_tokens begin_suppress_tokens finetuning_task id2label label2id tokenizer_class prefix " +
    "task_specific_params problem_type auto_map quantization_config gradient_checkpointing use_return_dict _attn_implementation " +
    "_commit_hash attn_implementation router_aux_loss_coef output_router_logits router_jitter_noise use_flash_attn _from_model_config"
  ).split(" "),
);

// Dropout rates are identities at inference.
const isDropout = (k: string) => /(dropout|_pdrop|drop_rate|dropout_rate)$/.test(k) || /dropout/.test(k);

export interface MappedConfig {
  values: Record<string, Value>;
  diagnostics: Diagnostic[];
  used: Set<string>;
}

function lookup(json: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = json;
  for (const p of path) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** A key path whose parent is present but not an object (`"rope_scaling": 7` for `rope_scaling.type`). */
function nonObjectParent(json: Record<string, unknown>, path: string[]): { at: string; value: unknown } | undefined {
  let cur: unknown = json;
  for (let i = 0; i < path.length - 1; i++) {
    cur = (cur as Record<string, unknown>)[path[i]!];
    if (cur === undefined || cur === null) return undefined;
    if (typeof cur !== "object" || Array.isArray(cur)) return { at: path.slice(0, i + 1).join("."), value: cur };
  }
  return undefined;
}

function toValue(v: unknown): Value | undefined {
  if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (Array.isArray(v)) {
    const items = v.map(toValue);
    return items.some((i) => i === undefined) ? undefined : (items as Value[]);
  }
  return undefined;
}

/**
 * Why a number from config.json cannot be used as it is, or undefined: JSON's `1e999`
 * parses to infinity, and an integer past 2^53 (`10^30`) to a nearby float, so the model
 * built would not be the one the file describes.
 */
function inexactNumber(v: Value, type: string): string | undefined {
  const nums: number[] = [];
  const collect = (x: Value): void => void (Array.isArray(x) ? x.forEach(collect) : typeof x === "number" && nums.push(x));
  collect(v);
  const bad = nums.find((x) => !Number.isFinite(x));
  if (bad !== undefined) return "is beyond the range of a 64-bit float (it reads as infinity)";
  if (type === "int") {
    const big = nums.find((x) => Number.isInteger(x) && !Number.isSafeInteger(x));
    if (big !== undefined) return "is past 2^53 = 9,007,199,254,740,992: not an exact integer (and beyond any model's size)";
  }
  return undefined;
}

function fitsScalar(type: string, v: Value): boolean {
  switch (type) {
    case "int":
      return typeof v === "number" && Number.isInteger(v);
    case "float":
      return typeof v === "number";
    case "bool":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    default:
      return true;
  }
}

// How a JSON value reads to someone who wrote the config: `string "4"`, `float 2.5`, `list`.
function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number") return `${Number.isInteger(v) ? "int" : "float"} ${JSON.stringify(v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/**
 * Sub-keys of the objects that mappings read piecewise (`rope_scaling.factor`) that no
 * mapping or `ignore` names: a scaling variant with extra parameters must not pass as a
 * plainer one.
 */
function unknownSubKeys(json: Record<string, unknown>, known: string[][]): string[] {
  const out: string[] = [];
  const isPrefix = (a: string[], b: string[]) => a.length <= b.length && a.every((x, i) => b[i] === x);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  const walk = (obj: Record<string, unknown>, path: string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      const at = [...path, k];
      if (known.some((p) => isPrefix(p, at))) continue;
      if (isObject(v) && known.some((p) => p.length > at.length && isPrefix(at, p))) walk(v, at);
      else out.push(at.join("."));
    }
  };
  const heads = new Set(known.filter((k) => k.length > 1).map((k) => k[0]!));
  for (const head of heads) {
    const v = json[head];
    if (isObject(v) && !known.some((p) => p.length === 1 && p[0] === head)) walk(v, [head]);
  }
  return out;
}

export function mapHfConfig(arch: ArchIR, json: Record<string, unknown>, file = "config.json"): MappedConfig {
  // Keyed by hyperparameter names, which may be `__proto__` or `constructor`: no prototype.
  const values: Record<string, Value> = Object.create(null) as Record<string, Value>;
  const diagnostics: Diagnostic[] = [];
  const used = new Set<string>();
  for (const p of arch.params.values()) {
    for (const key of p.hfKeys) {
      const raw = lookup(json, key);
      if (raw === undefined) {
        const parent = nonObjectParent(json, key);
        if (!parent) continue;
        used.add(key[0]!);
        diagnostics.push(
          error("E0501", undefined, `${file}: \`${parent.at}\` should be an object (with \`${key.join(".")}\`) for hyperparameter \`${p.name}\``, { expected: "an object or null", found: JSON.stringify(parent.value).slice(0, 80) }),
        );
        break;
      }
      used.add(key[0]!);
      if (raw === null) {
        // Present but null: an optional hyperparameter takes null (HF's None, e.g. no sliding
        // window) unless a later alternative key has a value; any other takes its default.
        if (p.type.optional) values[p.name] = null;
        continue;
      }
      const v = toValue(raw);
      const inexact = v === undefined ? undefined : inexactNumber(v, p.type.name);
      if (inexact) {
        diagnostics.push(error("E0501", undefined, `${file}: \`${key.join(".")}\` for hyperparameter \`${p.name}\` ${inexact}`, { found: typeof raw === "number" ? String(raw) : JSON.stringify(raw).slice(0, 80) }));
        break;
      }
      if (v === undefined) {
        diagnostics.push(error("E0501", undefined, `${file}: key \`${key.join(".")}\` has a value archc cannot read`, { found: JSON.stringify(raw).slice(0, 80) }));
        break;
      }
      const want = p.type.name;
      const ok = p.type.list ? Array.isArray(v) && v.every((x) => fitsScalar(want, x)) : fitsScalar(want, v);
      if (!ok) {
        const expected = `${want}${p.type.list ? "[]" : ""}`;
        diagnostics.push(
          error("E0501", undefined, `${file}: \`${key.join(".")}\` should be ${expected} for hyperparameter \`${p.name}\`, found ${jsonKind(raw)}`, { expected, found: JSON.stringify(raw).slice(0, 80) }),
        );
        break;
      }
      values[p.name] = v;
      break;
    }
  }
  const ignored = new Set(arch.ignores.map((k) => k[0]!));
  const unknown = Object.keys(json).filter((k) => !used.has(k) && !ignored.has(k) && !genericKeys.has(k) && !isDropout(k) && !arch.params.get(k)?.hfKeys.some((x) => x[0] === k));
  // A key every hyperparameter mapping mentions (even when null/absent here) counts as understood.
  const mentioned = new Set([...arch.params.values()].flatMap((p) => p.hfKeys.map((k) => k[0]!)));
  const reallyUnknown = [
    ...unknown.filter((k) => !mentioned.has(k)),
    ...unknownSubKeys(json, [...[...arch.params.values()].flatMap((p) => p.hfKeys), ...arch.ignores]),
  ];
  if (reallyUnknown.length) {
    diagnostics.push(
      error("E0501", undefined, `${file}: ${reallyUnknown.length} key${reallyUnknown.length > 1 ? "s" : ""} that ${arch.name} does not understand: ${reallyUnknown.join(", ")}`, {
        hint: `map them to hyperparameters with \`param … <- key\` in the .arch file, or list them under \`ignore\` if they do not affect the forward pass`,
      }),
    );
  }
  return { values, diagnostics, used };
}

export interface HfSelection {
  arch: ArchIR;
  root: string;
}

/** The architecture and root block a config.json asks for (`architectures`, then `model_type`). */
export function selectArchForConfig(archs: Iterable<ArchIR>, json: Record<string, unknown>): HfSelection | Diagnostic {
  const classes = Array.isArray(json.architectures) ? (json.architectures as unknown[]).map(String) : [];
  const modelType = typeof json.model_type === "string" ? json.model_type : undefined;
  const all = [...archs];
  for (const cls of classes) {
    for (const a of all) {
      const hit = a.hf?.classes.find((c) => c.hfClass === cls);
      if (hit && (!modelType || a.hf!.modelTypes.includes(modelType))) return { arch: a, root: hit.block };
    }
  }
  if (modelType) {
    const a = all.find((x) => x.hf?.modelTypes.includes(modelType));
    if (a) {
      if (classes.length) {
        return error("E0501", undefined, `model_type "${modelType}" is ${a.name}, but it has no root for ${classes.join(", ")}`, {
          hint: `add \`${classes[0]} => Block\` to the \`hf\` declaration of ${a.name}`,
        });
      }
      return { arch: a, root: a.root?.block ?? a.hf!.classes[0]?.block ?? "" };
    }
  }
  return error("E0501", undefined, `no architecture in models/ handles model_type ${JSON.stringify(modelType ?? null)} / ${classes.join(", ") || "no architectures"}`, {
    hint: "write a .arch file with an `hf \"<model_type>\" { <Class> => <Block> }` declaration",
  });
}
