// Key names shared by the sharding models.

/** Key names: key-0, key-1, … or zero-padded timestamps that sort in arrival order. */
export function keyName(i: number, pattern: "hashed" | "sequential" = "hashed"): string {
  return pattern === "sequential" ? `t-${String(i).padStart(10, "0")}` : `key-${i}`;
}
