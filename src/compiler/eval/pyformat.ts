// Python's repr() of numbers and bools, because `print` must reproduce PyTorch output
// byte for byte (eps=1e-06, p=0.1, 10000.0).
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    if (/e/.test(s)) return x.toFixed(Math.max(0, -exp + (mant.replace(/^-/, "").length - 2)));
    return s.includes(".") ? s : `${s}.0`;
  }
  const sign = exp < 0 ? "-" : "+";
  const e = String(Math.abs(exp)).padStart(2, "0");
  return `${mant}e${sign}${e}`;
}

export function pyValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return `(${v.map(pyValue).join(", ")}${v.length === 1 ? "," : ""})`;
  return String(v);
}
