// What the lock checker reports: two clients that held the lock at once and both wrote (the
// safety a lock promises, broken), writes the storage refused by fencing token, leases given up
// or renewed, and clients that never got the lock.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import { fencedWrite, leaseLost, neverAcquired, renewed, summary, twoHolders } from "./explain";
import type { Belief, LockResult } from "./model";
import type { Resolved } from "./scenario";

const overlap = (a: Belief, b: Belief): boolean => a.fromMs < (b.toMs ?? Infinity) && b.fromMs < (a.toMs ?? Infinity);

function twoHolderFindings(result: LockResult, r: Resolved): Finding[] {
  const out: Finding[] = [];
  const bs = result.beliefs;
  for (let i = 0; i < bs.length; i++)
    for (let j = i + 1; j < bs.length; j++) {
      const [first, second] = [bs[i]!, bs[j]!];
      if (first.client === second.client || !overlap(first, second)) continue;
      const w1 = result.writes.find((w) => w.client === first.client && w.token === first.token && w.accepted);
      const w2 = result.writes.find((w) => w.client === second.client && w.token === second.token && w.accepted);
      // With fencing, writes that reached the storage in token order are what fencing allows.
      if (!w1 || !w2 || (r.fencing && w1.token < w2.token === w1.atMs <= w2.atMs)) continue;
      const events = [first.seq, second.seq, w1.seq, w2.seq].sort((a, b) => a - b);
      out.push({ severity: "error", code: "two-holders", ...twoHolders(result, r, first, second, w1, w2), events });
    }
  return out;
}

export function check(result: LockResult, r: Resolved): Verdict {
  const findings: Finding[] = [...twoHolderFindings(result, r)];
  for (const w of result.writes.filter((x) => !x.accepted)) findings.push({ severity: "info", code: "fenced-write", ...fencedWrite(w), events: [w.seq] });
  for (const l of result.lost) findings.push({ severity: "info", code: "lease-lost", ...leaseLost(l.client, l.atMs, r), events: [l.seq] });
  for (const [client, n] of Object.entries(result.renewals)) findings.push({ severity: "info", code: "renewed", ...renewed(client, n, r) });
  for (const client of result.starved) findings.push({ severity: "warning", code: "never-acquired", ...neverAcquired(client, r) });
  const errors = findings.filter((f) => f.severity === "error").map((f) => f.title);
  return verdictFrom(findings, summary(result), `${errors.join("; ")}.`);
}
