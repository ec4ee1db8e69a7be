// After the checker, stages read the resolved IR (src/compiler/resolved) and not the checker's
// annotations: the WeakMaps over the raw AST (`Annotations`, `Resolution` of check/types.ts)
// stay inside the checker and the post-pass that builds the resolved IR from them. This test
// enumerates every module that still reads them; a new reader fails it, and so does a migrated
// one left on the list.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sourceFiles } from "./source-files.js";

/** The code of a file without its comments (a comment may name the annotations). */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

/** Reads the checker's annotations: names their types, or reads the WeakMaps or `checkedArch(…).annotations`. */
const readsAnnotations = (text: string) => /\bAnnotations\b|\bResolution\b|\.resolutions\b|\.bindings\.(get|has)\b|\bannotations\b/.test(code(text));

/** Where the annotations are made and turned into the resolved IR. */
const owners = ["src/compiler/check/", "src/compiler/resolved/"];

/** Modules not yet migrated (none today; a module listed here must still read the annotations). */
const pending: string[] = [];

describe("readers of the checker's annotations", () => {
  const readers = sourceFiles(join(root, "src"))
    .filter((f) => readsAnnotations(readFileSync(f, "utf8")))
    .map((f) => relative(root, f).split("\\").join("/"))
    .filter((f) => !owners.some((o) => f.startsWith(o)))
    .sort();

  it("are only the checker, the resolved-IR builder and the listed modules not yet migrated", () => {
    expect(readers).toEqual([...pending].sort());
  });

  it("include the checker and the builder (the detection works)", () => {
    const own = sourceFiles(join(root, "src/compiler")).filter((f) => readsAnnotations(readFileSync(f, "utf8"))).map((f) => relative(root, f).split("\\").join("/"));
    expect(own).toContain("src/compiler/check/checker.ts");
    expect(own).toContain("src/compiler/resolved/resolve.ts");
  });
});
