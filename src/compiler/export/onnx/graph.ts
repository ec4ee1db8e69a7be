// Builds one ONNX graph: nodes named after the .arch module path they lower
// (`model.layers.0.self_attn/q_proj/MatMul`), weights as external initializers under their
// state-dict names, small constants inline and shared, graph inputs and outputs.
import { attribute, externalTensor, inlineTensor, valueInfo, type AttrValue, type ElemType, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./proto.js";

/** A weight the graph reads: its state-dict name and float32 values. */
export interface GraphWeight {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface NodeOptions {
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Where in the .arch file this node comes from (`models/llama.arch:52:15`). */
  doc?: string;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly weights = new Map<string, GraphWeight>();
  private readonly constants: TensorProto[] = [];
  private readonly constantByKey = new Map<string, string>();
  private readonly taken = new Set<string>();
  private readonly reserved = new Set<string>();
  private readonly scopes: string[] = [];
  /** Values renamed after they were made (rename): later readers get the new name. */
  private readonly aliases = new Map<string, string>();
  /** The .arch location of what is being lowered, stamped on each node as its doc string. */
  location: string | undefined;
  /** A Scan/Loop body: its constants are prefixed like its values. */
  private subgraphMark = false;

  /** Runs `f` with node names prefixed by `path` (a module path, or an op's name inside one). */
  within<T>(path: string, f: () => T): T {
    this.scopes.push(path);
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  private scopeName(): string {
    return this.scopes.filter(Boolean).join("/");
  }

  /** Keeps graph output names (`logits`) free: a local of that name becomes `logits_1`. */
  reserve(...names: string[]): void {
    for (const n of names) this.reserved.add(n);
  }

  /** A value or node name not used before: `scope/base`, then `scope/base_1`, … */
  unique(base: string): string {
    const stem = this.scopeName() ? `${this.scopeName()}/${base}` : base;
    let name = stem;
    for (let i = 1; this.taken.has(name) || this.reserved.has(name); i++) name = `${stem}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** The current name of a value renamed once or more. */
  resolve(name: string): string {
    let n = name;
    for (let next = this.aliases.get(n); next !== undefined; next = this.aliases.get(n)) n = next;
    return n;
  }

  /** Adds a node; returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, opts: NodeOptions = {}): string[] {
    const name = this.unique(opType);
    const count = opts.outputs ?? 1;
    const outputs = Array.from({ length: count }, (_, i) => (count === 1 ? name : `${name}:${i}`));
    for (const o of outputs) this.taken.add(o);
    const doc = opts.doc ?? this.location;
    this.nodes.push({
      name,
      opType,
      input: inputs.map((i) => this.resolve(i)),
      output: outputs,
      attribute: Object.entries(attrs)
        .filter((e): e is [string, AttrValue] => e[1] !== undefined)
        .map(([k, v]) => attribute(k, v)),
      ...(doc ? { docString: doc } : {}),
    });
    return outputs;
  }

  /** A node with one output. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, opts: NodeOptions = {}): string {
    return this.node(opType, inputs, attrs, opts)[0]!;
  }

  /**
   * Gives the output of the latest node a readable name (the .arch local it is bound to) when
   * nothing reads it yet; returns the name the value now has.
   */
  rename(value: string, local: string): string {
    const last = this.nodes[this.nodes.length - 1];
    if (!last || last.output?.length !== 1 || last.output[0] !== value || this.outputs.some((o) => o.name === value)) return value;
    const name = this.unique(local);
    last.output = [name];
    this.aliases.set(value, name);
    return name;
  }

  private constant(elem: ElemType, dims: number[], data: Float32Array | BigInt64Array | Uint8Array, values: ArrayLike<number | bigint>): string {
    const key = `${elem}[${dims.join(",")}]:${Array.from(values, String).join(",")}`;
    const hit = this.constantByKey.get(key);
    if (hit) return hit;
    let name = `${this.subgraphMark ? `${this.scopes[0]}/` : ""}const_${elem === "float32" ? "f" : elem === "int64" ? "i" : "b"}_${dims.length === 0 || (dims.length === 1 && dims[0]! <= 4) ? Array.from(values, String).join("_").replace(/[^\w.-]/g, "m") : this.constants.length}`;
    for (let i = 1; this.taken.has(name); i++) name = `${name}_${i}`;
    this.taken.add(name);
    this.constants.push(inlineTensor(name, elem, dims, data));
    this.constantByKey.set(key, name);
    return name;
  }

  /** A float32 constant (values rounded to float32, as PyTorch rounds Python numbers). */
  f32(values: number | number[] | Float32Array, dims?: number[]): string {
    const arr = typeof values === "number" ? Float32Array.of(values) : Float32Array.from(values);
    return this.constant("float32", dims ?? (typeof values === "number" ? [] : [arr.length]), arr, arr);
  }

  /** An int64 constant: a scalar, or a 1-D list (shapes, axes, indices). */
  i64(values: number | number[], dims?: number[]): string {
    const list = typeof values === "number" ? [values] : values;
    const arr = BigInt64Array.from(list.map((v) => BigInt(v)));
    return this.constant("int64", dims ?? (typeof values === "number" ? [] : [list.length]), arr, arr);
  }

  /** A weight initializer under its state-dict name; the same name twice is one tensor. */
  weight(name: string, dims: number[], data: () => Float32Array): string {
    if (!this.weights.has(name)) {
      this.weights.set(name, { name, dims, data: data() });
      this.taken.add(name);
    }
    return name;
  }

  input(name: string, elem: ElemType, dims: (number | string)[], doc?: string): string {
    if (!this.inputs.some((i) => i.name === name)) {
      this.inputs.push(valueInfo(name, elem, dims, doc));
      this.taken.add(name);
    }
    return name;
  }

  /** Makes `value` a graph output called `name` (an Identity when the value already has another name). */
  output(name: string, value: string, elem: ElemType, dims: (number | string)[]): void {
    value = this.resolve(value);
    if (value === name) {
      this.outputs.push(valueInfo(name, elem, dims));
      return;
    }
    const last = this.nodes.find((n) => n.output?.length === 1 && n.output[0] === value);
    const isInput = this.inputs.some((i) => i.name === value) || this.weights.has(value);
    if (last && !isInput && !this.nodes.some((n) => n.input?.includes(value)) && !this.outputs.some((o) => o.name === value)) {
      // Rename the producer's output in place: no Identity node in the graph.
      last.output = [name];
      this.aliases.set(value, name);
    } else this.nodes.push({ name: this.unique(`${name}/Identity`), opType: "Identity", input: [value], output: [name] });
    this.taken.add(name);
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /**
   * A subgraph (the body of a Scan or Loop): built by `f` in a builder whose names are
   * prefixed by `prefix` (they must not shadow the outer graph's); it may read outer values.
   */
  subgraph(prefix: string, f: (body: GraphBuilder) => void): GraphProto {
    const body = new GraphBuilder();
    body.subgraphMark = true;
    body.scopes.push(this.unique(prefix));
    body.location = this.location;
    f(body);
    if (body.weights.size) throw new Error("a subgraph reads weights from the outer graph, never its own");
    const read = new Set(body.nodes.flatMap((n) => n.input ?? []));
    return { name: body.scopes[0], node: body.nodes, input: body.inputs, output: body.outputs, initializer: body.constants.filter((t) => read.has(t.name!)) };
  }

  /** Declares `name`, made by a node already in the graph, as a graph output. */
  declareOutput(name: string, elem: ElemType, dims: (number | string)[]): void {
    this.taken.add(name);
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** An If node (not yet placed in the graph): `then` or `otherwise` by `cond`, both giving `outputs`. */
  ifNode(name: string, cond: string, then: GraphProto, otherwise: GraphProto, outputs: string[]): NodeProto {
    for (const o of outputs) this.taken.add(o);
    return { name: this.unique(name), opType: "If", input: [cond], output: outputs, attribute: [attribute("then_branch", { graph: then }), attribute("else_branch", { graph: otherwise })], ...(this.location ? { docString: this.location } : {}) };
  }

  /** The initializers: external weights (laid out by `layout`) followed by inline constants. */
  initializers(location: string, layout: Map<string, { offset: number; length: number }>): TensorProto[] {
    const ext = [...this.weights.values()].map((w) => {
      const at = layout.get(w.name)!;
      return externalTensor(w.name, w.dims, location, at.offset, at.length);
    });
    // Constants made but then not read (a lowering that took another path) are left out; an
    // If or Scan body may read the outer graph's.
    const read = new Set<string>();
    const visit = (nodes: NodeProto[]) => {
      for (const n of nodes) {
        for (const i of n.input ?? []) read.add(i);
        for (const a of n.attribute ?? []) if (a.g) visit(a.g.node ?? []);
      }
    };
    visit(this.nodes);
    return [...ext, ...this.constants.filter((t) => read.has(t.name!))];
  }
}
