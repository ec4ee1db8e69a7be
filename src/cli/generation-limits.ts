/** More new tokens than this is a typo (`--generate 1e9`), not a request: no model has such a context. */
export const MAX_NEW_TOKENS = 1_000_000;
