// The survey's comparison columns, read off the checked IR and one concrete configuration:
// attention kind with head counts, mask, positions, norm, activation, MoE.
import type * as A from "../ast/nodes.js";
import { callsIn } from "../ast/walk.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { walkInstances } from "../elaborate/instance.js";
import { checkedArch } from "../pipeline.js";
import { evalSym } from "../check/symbolic.js";
import { exprText } from "../ast/expr-text.js";
import { evaluate, mapScope, chainScopes, formatValue } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";

export interface Features {
  attention: string;
  mask: string;
  positions: string;
  norm: string;
  activation: string;
  moe: string;
}


const kw = (c: Extract<A.Expr, { kind: "call" }>, name: string) => c.args.find((a) => a.keyword === name)?.value;

export function describeModel(m: ElaboratedModel): Features {
  const { annotations } = checkedArch(m.config.arch);
  const attn = new Set<string>();
  const masks = new Set<string>();
  const pos = new Set<string>();
  const norms = new Set<string>();
  const acts = new Set<string>();
  const moes = new Set<string>();
  const seen = new Set<string>();
  for (const inst of walkInstances(m.root)) {
    if (inst.primitive) {
      const p = inst.primitive.name;
      if (p === "RMSNorm") norms.add(Number(inst.args.offset) === 1 ? "RMSNorm(1+w)" : "RMSNorm");
      if (p === "LayerNorm") norms.add(inst.args.affine === false ? "LayerNorm(no affine)" : inst.args.bias === false ? "LayerNorm(no bias)" : "LayerNorm");
      if (p === "Activation") acts.add(String(inst.args.kind));
      if (p === "LSTM") attn.add(`LSTM recurrence (${formatValue(inst.args.num_layers ?? 1)}×${formatValue(inst.args.hidden_size ?? null)})`);
    }
    const b = inst.block;
    if (!b?.forward || inst.kind !== "block" || seen.has(`${b.name}:${JSON.stringify(inst.args)}`)) continue;
    seen.add(`${b.name}:${JSON.stringify(inst.args)}`);
    const scope = chainScopes(mapScope(inst.args as Record<string, Value>), mapScope(m.config.values));
    const val = (e: A.Expr | undefined): Value | undefined => {
      if (!e) return undefined;
      try {
        return evaluate(e, scope);
      } catch {
        return undefined;
      }
    };
    for (const c of callsIn(b.forward.body)) {
      // Only op calls: a submodule may share an op's name (`act`, `moe`).
      if (c.callee.kind !== "name" || annotations.resolutions.get(c)?.kind !== "op") continue;
      const name = c.callee.name;
      if (name === "attention") {
        const [q, k] = c.args.filter((a) => !a.keyword);
        const env = { label: "", values: new Map([...m.config.values, ...Object.entries(inst.args)]) };
        const qt = q ? annotations.types.get(q.value) : undefined;
        const kt = k ? annotations.types.get(k.value) : undefined;
        if (qt?.kind === "tensor" && kt?.kind === "tensor") {
          const h = evalSym(qt.dims[1]!, env);
          const kv = evalSym(kt.dims[1]!, env);
          if (h !== undefined && kv !== undefined) attn.add(kv === h ? `MHA(${h})` : kv === 1 ? `MQA(${h})` : `GQA(${h}/${kv})`);
        }
        const causal = val(kw(c, "causal")) === true;
        const window = val(kw(c, "window"));
        masks.add(typeof window === "number" ? `sliding(${window})` : causal ? "causal" : "bidirectional");
        if (val(kw(c, "alibi")) === true) pos.add("ALiBi");
        if (kw(c, "bias")) pos.add("relative bias");
        const cap = val(kw(c, "softcap"));
        if (typeof cap === "number") masks.add(`softcap ${formatValue(cap)}`);
      } else if (name === "rope") {
        const style = val(kw(c, "style")) ?? "rotate_half";
        const scaling = val(kw(c, "scaling"));
        pos.add(`RoPE(${style}${typeof scaling === "string" && scaling !== "none" ? `, ${scaling}` : ""})`);
      } else if (name === "position_ids") pos.add("learned");
      else if (name === "wkv4") attn.add("WKV recurrence (RWKV-4 linear attention)");
      else if (name === "wkv_heads") attn.add(`WKV recurrence (${formatValue(val(c.args[5]?.value) ?? null)} heads, matrix state)`);
      else if (name === "token_shift") pos.add("token shift");
      else if (name === "memory") masks.add(`+ memory of ${formatValue(val(c.args[1]?.value) ?? null)} tokens`);
      else if (["silu", "gelu", "gelu_tanh", "relu", "relu2"].includes(name)) acts.add(name);
      else if (name === "rms_norm") norms.add("RMSNorm");
      else if (name === "act") acts.add(String(val(c.args[1]?.value) ?? exprText(c.args[1]?.value ?? c)));
      else if (name === "moe") {
        const k = val(kw(c, "top_k"));
        const experts = c.args.filter((a) => !a.keyword)[2]?.value;
        const list = experts?.kind === "name" ? inst.children.find((x) => x.name === experts.name) : undefined;
        moes.add(`${list?.children.length ?? "?"} experts, top-${formatValue(k ?? null)}`);
      }
    }
  }
  const join = (s: Set<string>, none: string) => (s.size ? [...s].join(", ") : none);
  return {
    attention: join(attn, "none"),
    mask: join(masks, "none"),
    positions: join(pos, "none"),
    norm: join(norms, "none"),
    activation: join(acts, "none"),
    moe: join(moes, "dense"),
  };
}

export type { Instance };
