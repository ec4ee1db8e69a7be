import fc from "fast-check";
import { arbMutatedFile, mutate, describeCase } from "../test/fuzz/mutations.js";
const [seed0, i] = [Number(process.argv[2]), Number(process.argv[3])];
const mf = fc.sample(arbMutatedFile(), { seed: (seed0 + i * 7919) | 0, numRuns: 1 })[0]!;
const text = mutate(mf);
import { zooSource } from "../test/fuzz/mutations.js";
import { writeFileSync } from "node:fs";
writeFileSync("/tmp/relh/a.arch", zooSource(mf.file)); writeFileSync("/tmp/relh/b.arch", text);
