// Times in the caching traces are kept to a hundredth of a millisecond, so they print short and
// compare exactly.

export const r2 = (x: number): number => Math.round(x * 100) / 100;
