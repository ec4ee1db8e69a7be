// Module paths rewritten to role paths, so that two models align by what their modules do:
// `transformer.h.*.self_attention.dense.weight` and `model.layers.*.self_attn.o_proj.weight`
// both become `layers.*.attention.o.weight`. A report shows a module's own name when both
// models use it, else the role path, and lists each differing pair of names once.
/** A module whose name differs between the two models, by the role it plays. */
export interface NameChange {
  role: string;
  a: string;
  b: string;
}

const segments = (p: string) => (p ? p.split(".") : []);

export class RoleNames {
  /** Role path → the module path (indices as `*`) it names, as seen by `canon`. */
  readonly concrete = new Map<string, string>();
  private readonly byRole = new Map<string, string>();

  constructor(
    private readonly roles: Map<string, string>,
    private readonly keyOf: (path: string) => string,
  ) {
    for (const [path, role] of roles) this.byRole.set(role, path);
  }

  /** The role path of a module or tensor path (unchanged where no prefix has a role). */
  canon(path: string): string {
    if (path === "(root)") return path;
    const segs = segments(path);
    for (let n = segs.length; n > 0; n--) {
      const key = segments(this.keyOf(segs.slice(0, n).join(".")));
      const role = this.roles.get(key.join("."));
      if (role === undefined) continue;
      // A layer that differs from the first keeps its index (`layers.3.mlp`): the indices its key stars.
      const indices = segs.slice(0, n).filter((s, i) => key[i] === "*" && /^\d+$/.test(s));
      const roleSegs = segments(role);
      const stars = roleSegs.filter((s) => s === "*").length;
      const filled = stars === indices.length ? roleSegs.map((s) => (s === "*" ? indices.shift()! : s)) : roleSegs;
      const out = [...filled, ...segs.slice(n)].join(".");
      this.concrete.set(out, path);
      return out;
    }
    this.concrete.set(path, path);
    return path;
  }

  /** How a row names a path: the module's own name when both models share it, else its role path. */
  static display(canon: string, a: RoleNames, b: RoleNames): string {
    const ca = a.concrete.get(canon);
    const cb = b.concrete.get(canon);
    if (ca !== undefined && cb !== undefined) return ca === cb ? ca : canon;
    return ca ?? cb ?? canon;
  }

  /** Roles both models have under different names, each name relative to its parent role's module. */
  static changes(a: RoleNames, b: RoleNames): NameChange[] {
    const out: NameChange[] = [];
    for (const [role, pa] of a.byRole) {
      const pb = b.byRole.get(role);
      if (pb === undefined) continue;
      // The nearest enclosing role whose module holds this one in both models.
      const rs = segments(role);
      const holds = (r: string, names: RoleNames, p: string) => names.byRole.has(r) && p.startsWith(`${names.byRole.get(r)!}.`);
      let parent: string | undefined;
      for (let n = rs.length - 1; n > 0 && parent === undefined; n--) {
        const r = rs.slice(0, n).join(".");
        if (holds(r, a, pa) && holds(r, b, pb)) parent = r;
      }
      const rel = (p: string, names: RoleNames) => (parent !== undefined ? p.slice(names.byRole.get(parent)!.length + 1) : p).replace(/^(\*\.)+/, "");
      const ra = rel(pa, a);
      const rb = rel(pb, b);
      if (ra !== rb) out.push({ role, a: ra, b: rb });
    }
    return out;
  }
}
