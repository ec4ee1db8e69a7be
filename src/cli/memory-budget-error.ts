// The user error of memory-budget.ts, in a module of its own: the benchmark's measuring
// process recognises it (user-error.ts) without loading the compiler that checkMemory uses.
export class MemoryBudgetError extends Error {
  override readonly name = "MemoryBudgetError";
}
