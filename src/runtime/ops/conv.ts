/**
 * Causal 1-D convolutions over the time axis of [B, T, C] activations
 * (Yuan's localized filtering, Mamba-style short convolutions). Output t sees
 * inputs t−K+1..t; kernel index K−1 multiplies the current token and the
 * sequence is zero-padded on the left.
 */
import { RuntimeShapeError } from "../errors.js";
import { expectRank, shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";

function checkBias(op: string, bias: Tensor | undefined, c: number): Float32Array | undefined {
  if (!bias) return undefined;
  if (bias.shape.length !== 1 || bias.shape[0] !== c) {
    throw new RuntimeShapeError(op, `bias [${c}]`, shapeToString(bias.shape));
  }
  return bias.data;
}

/** Full convolution: x[B, T, Cin], w[Cout, Cin, K] (PyTorch Conv1d layout), b[Cout] → [B, T, Cout]. */
export function conv1dCausal(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  expectRank("conv1dCausal", x.shape, 3, "x [B, T, Cin]");
  expectRank("conv1dCausal", w.shape, 3, "weight [Cout, Cin, K]");
  const [batch, t, cin] = x.shape as [number, number, number];
  const [cout, wcin, k] = w.shape as [number, number, number];
  if (wcin !== cin) {
    throw new RuntimeShapeError("conv1dCausal", `weight [Cout, ${cin}, K] for input ${shapeToString(x.shape)}`, shapeToString(w.shape));
  }
  const bd = checkBias("conv1dCausal", b, cout);
  const xd = x.data;
  const wd = w.data;
  const out = new Float32Array(batch * t * cout);
  for (let bi = 0; bi < batch; bi++) {
    for (let ti = 0; ti < t; ti++) {
      for (let co = 0; co < cout; co++) {
        let sum = bd ? bd[co]! : 0;
        for (let kk = 0; kk < k; kk++) {
          const src = ti - (k - 1) + kk;
          if (src < 0) continue;
          const xo = (bi * t + src) * cin;
          const wo = co * cin * k + kk;
          for (let ci = 0; ci < cin; ci++) sum += xd[xo + ci]! * wd[wo + ci * k]!;
        }
        out[(bi * t + ti) * cout + co] = sum;
      }
    }
  }
  return new Tensor(out, [batch, t, cout]);
}

/** Depthwise (groups = C): x[B, T, C], w[C, 1, K] or [C, K], b[C] → [B, T, C]. */
export function depthwiseConv1dCausal(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  expectRank("depthwiseConv1dCausal", x.shape, 3, "x [B, T, C]");
  const [batch, t, c] = x.shape as [number, number, number];
  const ok = (w.shape.length === 3 && w.shape[0] === c && w.shape[1] === 1) || (w.shape.length === 2 && w.shape[0] === c);
  if (!ok) {
    throw new RuntimeShapeError("depthwiseConv1dCausal", `weight [${c}, 1, K] or [${c}, K]`, shapeToString(w.shape));
  }
  const k = w.shape[w.shape.length - 1]!;
  const bd = checkBias("depthwiseConv1dCausal", b, c);
  const xd = x.data;
  const wd = w.data;
  const out = new Float32Array(x.size);
  for (let bi = 0; bi < batch; bi++) {
    for (let ti = 0; ti < t; ti++) {
      const oo = (bi * t + ti) * c;
      for (let ch = 0; ch < c; ch++) {
        let sum = bd ? bd[ch]! : 0;
        for (let kk = Math.max(0, k - 1 - ti); kk < k; kk++) {
          sum += xd[(bi * t + ti - (k - 1) + kk) * c + ch]! * wd[ch * k + kk]!;
        }
        out[oo + ch] = sum;
      }
    }
  }
  return new Tensor(out, [batch, t, c]);
}

/**
 * Dispatches on the weight layout: [C, 1, K] with C input channels (C > 1) is
 * depthwise, any other [Cout, Cin, K] is a full convolution. `kernelSize`, when
 * given, is checked against the weight.
 */
export function causalConv1d(x: Tensor, weight: Tensor, bias?: Tensor, kernelSize?: number): Tensor {
  const k = weight.shape[weight.shape.length - 1];
  if (kernelSize !== undefined && k !== kernelSize) {
    throw new RuntimeShapeError("causalConv1d", `a weight with kernel size ${kernelSize}`, shapeToString(weight.shape));
  }
  const c = x.shape[x.shape.length - 1];
  const depthwise = weight.shape.length === 3 && weight.shape[1] === 1 && c !== 1 && weight.shape[0] === c;
  return depthwise ? depthwiseConv1dCausal(x, weight, bias) : conv1dCausal(x, weight, bias);
}
