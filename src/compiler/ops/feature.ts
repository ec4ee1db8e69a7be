// A label in one column of the feature table (`archc table`, describe), as ops and
// primitives contribute them: "GQA(32/8)" under attention, "RoPE(rotate_half)" under positions.
export type FeatureColumn = "attention" | "mask" | "positions" | "norm" | "activation" | "moe";

export interface Feature {
  column: FeatureColumn;
  label: string;
}
