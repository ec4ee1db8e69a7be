// onnxruntime-node is an optional dependency: loaded only by `--engine ort`, with a clear
// message (exit 1) where it is not installed.
import { error, DiagnosticError } from "../../compiler/diagnostics/diagnostic.js";

export type Ort = typeof import("onnxruntime-node");

let loaded: Promise<Ort> | undefined;

export function loadOrt(): Promise<Ort> {
  loaded ??= import("onnxruntime-node").catch((e: unknown) => {
    loaded = undefined;
    throw new DiagnosticError([
      error("E0501", undefined, `--engine ort needs the optional package onnxruntime-node, which is not installed or does not load here (${(e as Error).message.split("\n")[0]})`, {
        hint: "run `npm install onnxruntime-node` in the archc folder (its CPU binaries ship in the package; no download is needed)",
      }),
    ]);
  });
  return loaded;
}
