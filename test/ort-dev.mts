import { loadWorkspace } from "/work/wt/onnx/src/compiler/workspace.js";
import { verifyCaseOrt } from "/work/wt/onnx/src/cli/ort/verify.js";
import { formatVerify } from "/work/wt/onnx/src/cli/verify.js";
process.env.ARCHC_CACHE = "/tmp/onnxdev/cache";
for (const c of process.argv.slice(2)) {
  try { console.log(formatVerify(await verifyCaseOrt(loadWorkspace([]), "/work/shared/conformance/" + c))); }
  catch (e) { console.log(c, "ERROR", (e as Error).message.slice(0, 300)); }
}
