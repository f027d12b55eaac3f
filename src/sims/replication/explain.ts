// What a learner reads about each finding of the replication simulator: one function per finding
// code of its own (lost acknowledged writes, writes accepted by an old leader, replicas that
// diverged), and the sentence added to the shared checker's findings saying where each read was
// answered and how far behind that replica was.
import { entryLabel, type Entry, type OpRecord, type ReplicationRun } from "./model";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const val = (v: unknown) => (v === null || v === undefined ? "nothing" : String(v));

/** A write in words: "c1's write x=2 (#3, acknowledged by primary at 62 ms)". */
export function showWrite(r: OpRecord): string {
  const where = r.lsn !== undefined ? `#${r.lsn}${r.epoch !== undefined && r.epoch > 1 ? ` in epoch ${r.epoch}` : ""}` : "no position";
  const acked = r.ackedBy ? `, acknowledged by ${r.ackedBy} at ${r.retMs} ms` : "";
  return `${r.client}'s write ${r.keys[0]}=${val(r.value)} (${where}${acked})`;
}

/** Where a read was answered, in a sentence: "c1 read x=1 from f2 at 45 ms: f2 was 1 write (30 ms) behind the leader." */
export function whereRead(r: OpRecord): string {
  if (r.outcome !== "ok" || !r.replica) return `${r.client}'s read of ${r.keys.join(", ")} at ${r.callMs} ms got no answer.`;
  const what = (r.values ?? []).map((v) => `${v.key} → ${val(v.value)}`).join(", ");
  const redirected = r.redirected ? ` (sent on to it because ${r.redirected})` : "";
  const behind = r.behindPositions
    ? `${r.replica} was ${plural(r.behindPositions, "write")} (${r.behindMs} ms) behind the leader`
    : `${r.replica} had every write the leader had`;
  return `${r.client} read ${what} from ${r.replica} at ${r.callMs} ms${redirected}: ${behind}.`;
}

/** Why writes acknowledged before the failover are not on the new leader. */
function lostInFailover(run: ReplicationRun): string {
  const f = run.failovers[run.failovers.length - 1];
  if (!f) return `They are not in ${run.finalLeader}'s log.`;
  const promoted = `${f.to} was promoted at #${f.position} while ${f.from} had #${f.oldPosition}`;
  if (run.mode === "async")
    return `${promoted}: with async replication the leader acknowledged each write before any follower had it, so what ${f.to} had not received ${f.oldUp ? `stayed only on ${f.from}, which is no longer the leader` : `was gone with ${f.from}`}.`;
  if (run.mode === "semi-sync")
    return `${promoted}: with semi-sync replication a write was acknowledged once ${plural(run.acks, "follower")} had it, and ${f.to} was not among them (\`failover: ${run.failover}\`).`;
  return `${promoted}.`;
}

/** Acknowledged writes missing from the log of the leader the run ended with. */
export function acknowledgedWriteLost(run: ReplicationRun, lost: readonly OpRecord[]): Words {
  const names = lost.slice(0, 5).map(showWrite).join("; ");
  const more = lost.length > 5 ? ` and ${lost.length - 5} more` : "";
  const late = lost.filter((r) => r.epoch !== undefined && r.newestEpochAtAck !== undefined && r.epoch < r.newestEpochAtAck);
  const why = [
    late.length < lost.length ? lostInFailover(run) : "",
    late.length
      ? `${late.length === lost.length ? (late.length === 1 ? "It was" : "They were") : `${plural(late.length, "of them was", "of them were")}`} accepted by ${late[0]!.ackedBy} after ${run.finalLeader} had replaced it, so the new leader never had ${late.length === 1 ? "it" : "them"}.`
      : "",
  ]
    .filter(Boolean)
    .join(" ");
  return {
    title: `${plural(lost.length, "acknowledged write")} lost`,
    explanation: `The client${lost.length === 1 ? " was" : "s were"} told ${lost.length === 1 ? "this write was" : "these writes were"} done, yet ${run.finalLeader}, the leader at the end, does not have ${lost.length === 1 ? "it" : "them"}: ${names}${more}. ${why} The table *lost writes* lists them.`,
  };
}

/** Writes acknowledged by a leader after a newer epoch had begun: two leaders at once. */
export function splitBrainWrite(run: ReplicationRun, writes: readonly OpRecord[]): Words {
  const f = run.failovers[0];
  const since = f ? `, while ${f.to} had led epoch ${f.epoch} since ${f.atMs} ms` : "";
  const names = writes.slice(0, 5).map(showWrite).join("; ");
  const fix =
    run.fencing === "none"
      ? "Nothing fenced the old leader (`fencing: none`): it never learnt it had been replaced. With `fencing: epoch`, replicas that saw the newer epoch refuse its entries and it steps down."
      : "Epoch fencing stopped it only when its entries reached a replica that knew the newer epoch; with async replication it had already acknowledged these writes on its own.";
  return {
    title: `Split brain: ${plural(writes.length, "write")} acknowledged by an old leader`,
    explanation: `Two replicas acted as leader at once. ${names} ${writes.length === 1 ? "was" : "were"} acknowledged by ${writes[0]!.ackedBy} in epoch ${writes[0]!.epoch}${since}. ${fix}`,
  };
}

/** Replicas whose logs hold other writes than the leader's at the same positions. */
export function replicasDiverged(
  run: ReplicationRun,
  diverged: readonly { readonly replica: string; readonly mine: Entry; readonly theirs: Entry | undefined }[],
): Words {
  const list = diverged
    .slice(0, 4)
    .map(
      (d) =>
        `${d.replica} holds ${entryLabel(d.mine)} (from epoch ${d.mine.epoch}) where ${run.finalLeader} has ${d.theirs ? entryLabel(d.theirs) : "nothing"}`,
    )
    .join("; ");
  return {
    title: `Replicas diverged from ${run.finalLeader}`,
    explanation: `At the end the replicas do not agree: ${list}. Two leaders shipped entries for the same positions and the replicas took both (\`fencing: ${run.fencing}\`); readers now get different answers depending on the replica.`,
  };
}

/** The verdict's summary of a run that kept everything checked. */
export function allHeld(run: ReplicationRun, checked: readonly string[]): string {
  return `${run.level ? `Cosmos DB ${run.level}` : `${run.mode} replication, reads at ${run.read}`}: ${checked.join(", ")} all held, and no acknowledged write was lost.`;
}
