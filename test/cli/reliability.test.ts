// Regressions of the adversarial pass in issue 18: each case broke the exit-code contract
// (0 ok, 1 user error with a located message, 2 command line, 70 a bug) or gave wrong
// output with exit 0. Every case runs the CLI in-process on temporary files; the shared
// fixtures are copied, never touched.
import { chmodSync, chownSync, cpSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/runtime/index.js";
import { archc, type CliRun } from "./capture.js";
import { tinyArch } from "./tiny-arch.js";

const conformance = join(__dirname, "../../../shared/conformance");
const tmp = mkdtempSync(join(tmpdir(), "archc-reliability-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(tmp, `${n++}-${name}`);

function caseCopy(name: string, edit: (dir: string) => void = () => {}): string {
  const dir = fresh(name);
  cpSync(join(conformance, name), dir, { recursive: true });
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  edit(dir);
  return dir;
}
const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};

function userError(r: CliRun, ...parts: (string | RegExp)[]): void {
  const all = r.err + r.out;
  expect(r.code, all).toBe(1);
  expect(all).not.toMatch(/internal error/);
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+/);
  for (const p of parts) expect(all).toMatch(p);
}

const file = (name: string, text: string | Buffer) => {
  const f = fresh(name);
  writeFileSync(f, text);
  return f;
};

describe("1, 9: any identifier the checker accepts compiles", () => {
  it("a block named `constructor` and params named `given`, `toString`, `__proto__`; blocks `Config`, `Hyper`", async () => {
    const src = file(
      "hazard.arch",
      `arch Hazard {
  param given: int = 8
  param toString: int = 2
  param __proto__: int = 3
  block constructor {
    l: Linear(given, given)
    forward(x: [B, T, given]) -> [B, T, given] {
      return l(x)
    }
  }
  block Config {
    c: constructor
    forward(x: [B, T, given]) -> [B, T, given] {
      return c(x)
    }
  }
  block Hyper {
    h: Config
    forward(x: [B, T, given]) -> [B, T, given] {
      return h(x)
    }
  }
  root Hyper
  preset "tiny" { given = 4
    __proto__ = 5 }
}
`,
    );
    const out = fresh("out");
    const r = await archc("compile", src, "-o", out);
    expect(r.code, r.err).toBe(0);
    const s = await archc("stats", `${src}:tiny`, "--json");
    expect(s.code, s.err).toBe(0);
    // Linear(4, 4) with bias.
    expect(JSON.parse(s.out).params).toBe(20);
  });
});

describe("8: two architectures, one module file", () => {
  it("`arch Foo` and `arch FOO` are a located error, and nothing is written", async () => {
    const src = file("case.arch", tinyArch("Foo") + tinyArch("FOO"));
    const out = fresh("out");
    const r = await archc("compile", src, "-o", out);
    userError(r, /case\.arch:12:1: error\[E0102\]: `FOO` and `Foo` would both be compiled to foo\.ts/);
    expect(existsSync(join(out, "foo.ts"))).toBe(false);
  });
});

describe("12: a user's architecture named like one of the zoo's", () => {
  it("the user's file wins in its own commands, and the zoo's dependants do not report errors", async () => {
    const src = file("llama.arch", tinyArch("Llama"));
    for (const argv of [["check", src], ["print", src], ["stats", src], ["compile", src, "-o", fresh("out")]]) {
      const r = await archc(...argv);
      expect(r.code, `${argv[0]}: ${r.err}`).toBe(0);
      expect(r.err).not.toMatch(/models\//);
    }
    expect((await archc("print", src)).out).toMatch(/^M\(\n {2}\(l\): Linear\(in_features=8, out_features=8, bias=True\)\n\)/);
    // Without the user's file, the zoo's Llama is the zoo's.
    expect((await archc("print", "--preset", "tiny-llama")).code).not.toBe(70);
  });

  it("two of the user's own files defining one name remain an error", async () => {
    const a = file("a.arch", tinyArch("Twice"));
    const b = file("b.arch", tinyArch("Twice"));
    userError(await archc("check", a, b), /E0102.*architecture `Twice` is defined twice/);
  });
});

describe("13: a file of another extension", () => {
  it("compile b.txt compiles it (as check does); a file without architectures is an error", async () => {
    const src = file("b.txt", tinyArch("TxtModel"));
    expect((await archc("check", src)).code).toBe(0);
    const out = fresh("out");
    const r = await archc("compile", src, "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out)).toEqual(["txtmodel.ts"]);
    expect((await archc("print", `${src}:tiny`)).out).toMatch(/in_features=4/);
    userError(await archc("compile", file("empty.arch", "# nothing here\n"), "-o", out), /defines no architecture/);
  });
});

describe("3, 6: folders where files belong", () => {
  it("model.safetensors being a folder", async () => {
    const dir = caseCopy("llama-tiny", (d) => {
      rmSync(join(d, "model.safetensors"));
      mkdirSync(join(d, "model.safetensors"));
    });
    userError(await archc("run", dir), /model\.safetensors: expected a safetensors file, found a folder/);
  });

  for (const shard of [".", "sub/"]) {
    it(`a shard map naming ${JSON.stringify(shard)}`, async () => {
      const dir = caseCopy("llama-tiny", (d) => {
        mkdirSync(join(d, "sub"));
        const names = [...readSafetensors(join(d, "model.safetensors")).tensors.keys()];
        rmSync(join(d, "model.safetensors"));
        writeFileSync(join(d, "model.safetensors.index.json"), JSON.stringify({ weight_map: Object.fromEntries(names.map((k) => [k, shard])) }));
      });
      userError(await archc("run", dir), /expected a safetensors file, found a folder/);
    });
  }

  it("a FIFO as model.safetensors is refused without opening it (an open would block)", async () => {
    const dir = caseCopy("llama-tiny", (d) => {
      rmSync(join(d, "model.safetensors"));
      execFileSync("mkfifo", [join(d, "model.safetensors")]);
    });
    userError(await archc("run", dir), /model\.safetensors: expected a safetensors file, found not a regular file/);
  });

  it("fmt given a folder without .arch files: exit 1 naming it; the other files are still formatted", async () => {
    const dir = fresh("folder");
    mkdirSync(dir);
    const ok = file("ok.arch", "arch   Ok {\n  param d: int = 4\n}\n");
    const r = await archc("fmt", dir, ok);
    userError(r, `${dir}: is a folder, expected a file`);
    expect(readFileSync(ok, "utf8")).toBe("arch Ok {\n  param d: int = 4\n}\n");
  });

  it("fmt given a folder of .arch files formats each of them (`archc fmt --check models/`)", async () => {
    const dir = fresh("archs");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.arch"), "arch   A {\n  param d: int = 4\n}\n");
    writeFileSync(join(dir, "b.arch"), "arch B {\n  param d: int = 4\n}\n");
    writeFileSync(join(dir, "notes.txt"), "not an arch file");
    const check = await archc("fmt", "--check", dir);
    expect(check.code).toBe(1);
    expect(check.out).toBe(`${join(dir, "a.arch")}: not formatted\n`);
    expect((await archc("fmt", dir)).code).toBe(0);
    expect(readFileSync(join(dir, "a.arch"), "utf8")).toBe("arch A {\n  param d: int = 4\n}\n");
    expect((await archc("fmt", "--check", dir)).code).toBe(0);
  });
});

describe("4: generate.json and inputs.json", () => {
  it("generate.json without prompt_input_ids names the file and the field", async () => {
    const dir = caseCopy("llama-tiny", (d) => writeFileSync(join(d, "generate.json"), JSON.stringify({ new_token_ids: [1, 2] })));
    userError(await archc("verify", dir), /generate\.json: prompt_input_ids must be a list of token ids \(not empty\), found nothing/);
  });

  it("generate.json with max_new_tokens 1e9 is refused", async () => {
    const dir = caseCopy("llama-tiny", (d) => editJson(join(d, "generate.json"), (j) => void (j.max_new_tokens = 1e9)));
    userError(await archc("verify", dir), /max_new_tokens must be an integer from 0 to 1000000/);
  });

  it("a mask of the wrong shape names inputs.json and both shapes", async () => {
    const dir = caseCopy("llama-tiny", (d) =>
      editJson(join(d, "inputs.json"), (j) => {
        const ids = j.input_ids as number[][];
        j.attention_mask = ids.map((r) => r.slice(1).map(() => 1));
      }),
    );
    userError(await archc("verify", dir), /inputs\.json: attention_mask is \[\d+, \d+\] but input_ids is \[\d+, \d+\]/);
  });
});

describe("2: models far beyond memory are refused before allocating", () => {
  for (const [key, value] of [["vocab_size", 100_000_000], ["intermediate_size", 1e12]] as const) {
    it(`${key}: ${value}`, async () => {
      const dir = caseCopy("llama-tiny", (d) => editJson(join(d, "config.json"), (j) => void (j[key] = value)));
      userError(await archc("run", dir), /config\.json: the model needs [\d.]+ GiB for its [\d,]+ float32 parameters, more than this machine's/);
    });
  }

  it("--max-memory lowers the limit (and a malformed size is exit 2)", async () => {
    const dir = caseCopy("llama-tiny");
    userError(await archc("verify", dir, "--max-memory", "1K"), /more than --max-memory/);
    expect((await archc("verify", dir, "--max-memory", "lots")).code).toBe(2);
    expect((await archc("verify", dir, "--max-memory", "1G")).code).toBe(0);
  });
});

describe("7: bench on a broken checkpoint", () => {
  it("a missing tensor is exit 1 with the tensor's name, no stack trace from the measuring process", async () => {
    const dir = caseCopy("llama-tiny", (d) => {
      const path = join(d, "model.safetensors");
      const m = new Map(readSafetensors(path).tensors);
      m.delete("model.norm.weight");
      writeSafetensors(path, Object.fromEntries(m));
    });
    const r = await archc("bench", dir, "--threads", "1", "--prompt-len", "4", "--steps", "2", "--rounds", "1", "--json");
    userError(r, /missing tensor model\.norm\.weight/);
    expect(JSON.parse(r.out)).toMatchObject({ error: "WeightBindError" });
  }, 60_000);
});

describe("minor: generation past the context, --json errors", () => {
  it("GPT-2 past n_positions: the tokens generated so far are printed, and the limit is named as a position", async () => {
    const r = await archc("run", join(conformance, "gpt2-tiny"), "--ids", "1,2,3", "--generate", "40");
    userError(r, /generation stopped after 30 new tokens \(printed\): the next step needs position 32, past the model's 32 positions \(0\.\.31, n_positions in config\.json\)/);
    expect(r.out.trim().split(" ")).toHaveLength(30);
  });

  it("--json errors name the kind of error, not `Error`", async () => {
    const dir = caseCopy("llama-tiny", (d) => {
      const path = join(d, "model.safetensors");
      const m = new Map(readSafetensors(path).tensors);
      m.delete("model.norm.weight");
      writeSafetensors(path, Object.fromEntries(m));
    });
    const r = await archc("run", dir, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toBe("WeightBindError");
  });
});

describe("14-16: fmt never damages a file", () => {
  it("non-UTF-8 bytes: a located error, and the file byte for byte as it was", async () => {
    const bytes = Buffer.concat([Buffer.from("arch   A {\n  param d: int = 4 # caf"), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from("\n}\n")]);
    const f = file("latin.arch", bytes);
    const r = await archc("fmt", f);
    userError(r, /latin\.arch:2:25: error\[E0001\]: not valid UTF-8: byte 0xe9/);
    expect(readFileSync(f).equals(bytes)).toBe(true);
    // check reads the same way: no silent U+FFFD.
    userError(await archc("check", f), /E0001/);
  });

  it("a symlink stays a link and its target is formatted; hard links stay linked; mode and owner are kept", async () => {
    const target = file("target.arch", "arch   L {\n  param d: int = 4\n}\n");
    const link = join(tmp, `${n++}-link.arch`);
    symlinkSync(target, link);
    const hard = join(tmp, `${n++}-hard.arch`);
    linkSync(target, hard);
    chmodSync(target, 0o640);
    chownSync(target, 1234, 4321);
    const r = await archc("fmt", link);
    expect(r.code, r.err).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("arch L {\n  param d: int = 4\n}\n");
    expect(readFileSync(hard, "utf8")).toBe("arch L {\n  param d: int = 4\n}\n");
    const st = statSync(target);
    expect([st.nlink, st.mode & 0o777, st.uid, st.gid]).toEqual([2, 0o640, 1234, 4321]);
    expect(statSync(hard).ino).toBe(st.ino);
  });

  it("a single-link file keeps its mode and owner through the rename", async () => {
    const f = file("mode.arch", "arch   M {\n  param d: int = 4\n}\n");
    chmodSync(f, 0o600);
    chownSync(f, 1234, 4321);
    expect((await archc("fmt", f)).code).toBe(0);
    const st = statSync(f);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o600, 1234, 4321]);
  });

  for (const [what, eol] of [["CR-only", "\r"], ["CRLF", "\r\n"]] as const) {
    it(`${what} line endings are kept, and a leading comment hides nothing from check`, async () => {
      const text = ["# a model", "arch   Cr {", "  param d: int = 4", "  block M {", "    l: Linear(d, d)", "    forward(x: [B, T, d]) -> [B, T, d] {", "      return l(x)", "    }", "  }", "  root M", "}", ""].join(eol);
      const f = file("cr.arch", text);
      expect((await archc("check", f)).out).toBe("ok: 1 file, 1 architecture checked\n");
      expect((await archc("fmt", f)).code).toBe(0);
      expect(readFileSync(f, "utf8")).toBe(text.replace("arch   Cr", "arch Cr"));
    });
  }

  it("fmt --json reports each file", async () => {
    const f = file("j.arch", "arch   J {\n  param d: int = 4\n}\n");
    const r = await archc("fmt", f, "--check", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ files: [{ file: f, status: "not formatted" }] });
  });
});

describe("10: sizes are whole numbers >= 0", () => {
  it("a negative dimension is a check error at the module, not 240 parameters", async () => {
    const src = file("neg.arch", tinyArch("Neg").replace("param d: int = 8", "param d: int = -16"));
    for (const cmd of ["check", "print", "stats"]) {
      userError(await archc(cmd, src), /neg\.arch:4:8: error\[E0203\]: Linear\(in_features=-16, out_features=-16\): the weight `weight` would have shape \[-16, -16\]/);
    }
  });
});

describe("11 (in part) and minor: numbers that cannot be exact are refused", () => {
  it("an .arch integer past 2^53 is a located error, not a nearby integer", async () => {
    const src = file("big.arch", tinyArch("Big").replace("param d: int = 8", "param d: int = 9007199254740993"));
    userError(await archc("check", src), /big\.arch:2:18: error\[E0203\]: the integer 9007199254740993 is past 2\^53/);
  });

  it("config.json: 1e999 (infinity) and 10^30 for an int are E0501 naming the key, in import and run", async () => {
    const inf = caseCopy("llama-tiny", (d) => writeFileSync(join(d, "config.json"), readFileSync(join(d, "config.json"), "utf8").replace(/"rms_norm_eps": [^,}]+/, '"rms_norm_eps": 1e999')));
    userError(await archc("import", join(inf, "config.json")), /`rms_norm_eps` for hyperparameter `eps` is beyond the range of a 64-bit float/);
    userError(await archc("run", inf), /`rms_norm_eps` for hyperparameter `eps` is beyond the range/);
    const big = caseCopy("llama-tiny", (d) => writeFileSync(join(d, "config.json"), readFileSync(join(d, "config.json"), "utf8").replace(/"vocab_size": \d+/, '"vocab_size": 1000000000000000000000000000000')));
    userError(await archc("import", join(big, "config.json")), /`vocab_size` for hyperparameter `vocab` is past 2\^53/);
  });
});

describe("11: counts are exact", () => {
  it("Linear(2^40, 2^40): stats prints and --json gives the exact counts (strings past 2^53)", async () => {
    const src = file("huge.arch", tinyArch("Huge").replace("param d: int = 8", "param d: int = 1099511627776"));
    // 2^80 weights + 2^40 biases, and 2 FLOPs per weight: computed here in bigint, independently.
    const params = 2n ** 80n + 2n ** 40n;
    const r = await archc("stats", src);
    expect(r.out).toContain(`parameters          ${params.toLocaleString("en-US")} (1.21e+24)`);
    const j = JSON.parse((await archc("stats", src, "--json")).out);
    expect([j.params, j.nonEmbeddingParams, j.flopsPerToken, j.modules[0].params]).toEqual([String(params), String(params), String(2n * 2n ** 80n), String(params)]);
    // Within 2^53 the JSON counts stay numbers.
    expect(JSON.parse((await archc("stats", `${src}:tiny`, "--json")).out).params).toBe(20);
  });

  it("FLOPs and KV-cache bytes past 2^53: attention, a weight product and a top-2-of-3 MoE, exact in text and JSON", async () => {
    // d = 2^40 + 2 (divisible by the 3 heads): d² = 2^80 + 2^43 + 4 needs 81 bits, so any float
    // in the count loses its low digits; and 2 of the 3 experts count as 2/3 of each.
    const src = file(
      "huge-flops.arch",
      `arch HugeFlops {
  param d: int = 1099511627778
  param heads: int = 3
  param n_experts: int = 3
  param top_k: int = 2
  require d % heads == 0: "heads divide d"
  block Expert {
    up: Linear(d, d, bias = false)
    forward(x: [N, d]) -> [N, d] {
      return up(x)
    }
  }
  block Layer {
    q_proj: Linear(d, d, bias = false)
    k_proj: Linear(d, d, bias = false)
    v_proj: Linear(d, d, bias = false)
    o: Param([d, d])
    gate: Linear(d, n_experts, bias = false)
    experts: [Expert for e in 0..n_experts]
    forward(x: [B, T, d]) -> [B, T, d] {
      let q = split_heads(q_proj(x), heads)
      let k = split_heads(k_proj(x), heads)
      let v = split_heads(v_proj(x), heads)
      let h = merge_heads(attention(q, k, v, causal = true)) @ o
      return moe(h, gate(h), experts, top_k = top_k)
    }
  }
  root Layer
  preset "wide" { d = 2251799813685249 }
}
`,
    );
    // Per token at context C, by hand: q, k, v 3·2d²; `@ o` 2d²; the gate 2·3d; the experts
    // 2 of 3 run, 2·2d²; attention per head 2·C·(D + D) with D = d/3, 4·C·d over the 3 heads.
    // Cached: k and v, 3 heads × D floats of 4 bytes each, 8d.
    const flops = (d: bigint, context: bigint) => 3n * 2n * d * d + 2n * d * d + 2n * 3n * d + 2n * 2n * d * d + 4n * context * d;
    const kv = (d: bigint) => 8n * d;
    const d = 2n ** 40n + 2n;
    const text = await archc("stats", src, "--context", "5");
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(`FLOPs per token     ${flops(d, 5n).toLocaleString("en-US")} (1.45e+25, at context 5)`);
    expect(text.out).toContain(`KV cache per token  ${kv(d).toLocaleString("en-US")} bytes`);
    const j = JSON.parse((await archc("stats", src, "--json")).out);
    expect(j.flopsPerToken).toBe(String(flops(d, 2048n)));
    expect(j.flopsPerToken).toBe("14507109844442122979131452");
    expect(j.kvCacheBytesPerToken).toBe(Number(kv(d)));
    // d = 2^51 + 1: the KV-cache bytes too are past 2^53, so a string.
    const wide = 2n ** 51n + 1n;
    const w = JSON.parse((await archc("stats", `${src}:wide`, "--json")).out);
    expect([w.flopsPerToken, w.kvCacheBytesPerToken]).toEqual([String(flops(wide, 2048n)), String(kv(wide))]);
    expect((await archc("stats", `${src}:wide`)).out).toContain(`KV cache per token  ${kv(wide).toLocaleString("en-US")} bytes`);
  });
});

describe("minor: mutual block recursion", () => {
  it("A contains B contains A (twice each) is a cycle, E0204, not a module limit", async () => {
    const src = file(
      "mutual.arch",
      `arch Mutual {
  param d: int = 4
  block A {
    b: B
    b2: B
    forward(x: [B, T, d]) -> [B, T, d] {
      return b(x)
    }
  }
  block B {
    a: A
    a2: A
    forward(x: [B, T, d]) -> [B, T, d] {
      return a(x)
    }
  }
  root A
}
`,
    );
    const r = await archc("check", src);
    userError(r, /mutual\.arch:3:9: error\[E0204\]: blocks contain each other: `A` contains `B` contains `A`/);
    expect(r.err).not.toMatch(/E0203/);
  });
});

describe("minor: unknown rope_scaling", () => {
  it("is refused when config.json is read (E0202 naming the file and the value), not at the first forward", async () => {
    const dir = caseCopy("llama-tiny", (d) => editJson(join(d, "config.json"), (j) => void (j.rope_scaling = { type: "yarn", factor: 2 })));
    userError(await archc("import", join(dir, "config.json")), /E0202\].*config\.json: requirement `rope_scaling in/, /found: with rope_scaling = yarn/);
  });
});

describe("11: parameter counts a float cannot hold", () => {
  it("Linear(2^40 + 1, 2^40 + 1): (2^40 + 1)^2 + 2^40 + 1 parameters, every digit", async () => {
    const d = 2n ** 40n + 1n;
    const src = file("odd.arch", tinyArch("Odd").replace("param d: int = 8", `param d: int = ${d}`));
    const exact = d * d + d;
    expect(Number.isSafeInteger(Number(exact))).toBe(false);
    expect(String(BigInt(Number(exact)))).not.toBe(String(exact));
    const j = JSON.parse((await archc("stats", src, "--json")).out);
    expect(j.params).toBe(String(exact));
    expect((await archc("stats", src)).out).toContain(exact.toLocaleString("en-US"));
  });
});
