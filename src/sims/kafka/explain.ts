// What a learner reads about each finding of the Kafka simulator: one function per finding code,
// each naming the records, offsets, members and settings involved, and the cause traced through the
// run (which request was lost, which commit came before which crash, which replica was elected).
import { count, duration, list } from "../../present/prose";
import type { CommitRecord, Failover, KafkaRun, OutputEntry, Rebalance, SentRecord, Truncation } from "./model";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const rec = (s: SentRecord) => `#${s.id}${s.key ? ` (key ${s.key})` : ""}`;
const at = (p: number, offset: number) => `p${p}@${offset}`;
const acksWord = (run: KafkaRun) => `acks=${run.acks}`;

/**
 * A cause told for one record or for several that share it: `who` names the record, `why` is the
 * rest of the sentence, in the singular or the plural.
 */
export interface Cause {
  readonly who: string;
  readonly why: (many: boolean) => string;
}

/** One sentence per distinct cause, naming every record it explains. */
export function tell(causes: readonly Cause[]): string[] {
  const groups = new Map<string, string[]>();
  const whyOf = new Map<string, Cause>();
  for (const c of causes) {
    const key = c.why(false);
    groups.set(key, [...(groups.get(key) ?? []), c.who]);
    whyOf.set(key, c);
  }
  return [...groups].map(
    ([key, whos]) => `${list(whos.length > 6 ? [...whos.slice(0, 6), `${whos.length - 6} more`] : whos)} ${whyOf.get(key)!.why(whos.length > 1)}`,
  );
}

/** A cause as one sentence about one record (the records table). */
export const sentence = (c: Cause): string => `${c.who} ${c.why(false)}`;

const be = (many: boolean) => (many ? "were" : "was");
const it = (many: boolean) => (many ? "them" : "it");

/** Why a record is in the log twice: the producer sent it again after a lost answer or a timeout. */
export function producerDuplicateCause(run: KafkaRun, s: SentRecord, offsets: readonly number[]): Cause {
  const fix = run.idempotence
    ? ""
    : " Without idempotence the broker cannot tell a resent record from a new one (`idempotence: true` gives each record a sequence number).";
  return {
    who: `${rec(s)} (at ${at(s.partition, offsets[0]!)} and again at offset ${offsets.slice(1).join(", ")})`,
    why: (many) =>
      `${be(many)} appended twice: the producer got no answer to its first request (the acknowledgement was lost or came too late), sent ${it(many)} again, and the leader took ${it(many)} as new.${fix}`,
  };
}

/** Why a record was processed twice by the consumers. */
export function consumerDuplicateCause(run: KafkaRun, first: OutputEntry, second: OutputEntry): Cause {
  const who = `offset ${first.offset} of p${first.partition} (${`#${first.rec}`})`;
  if (first.state === "aborted" || second.state === "aborted")
    return {
      who,
      why: (many) =>
        `${be(many)} processed in transaction ${first.txn ?? second.txn}, which was aborted; a \`read_uncommitted\` reader sees its outputs anyway, and ${many ? "they" : "it"} ${be(many)} processed again after it.`,
    };
  const crash = run.crashes.find((c) => c.who === first.by && c.atMs >= first.atMs && c.atMs <= second.atMs);
  const refused = run.commits.find((c) => c.by === first.by && !c.accepted && c.partition === first.partition && c.atMs >= first.atMs);
  const again = (many: boolean) => `${second.by} then read p${first.partition} from the committed offset and processed ${it(many)} a second time.`;
  if (crash)
    return { who, why: (many) => `${be(many)} processed by ${first.by}, which crashed at ${crash.atMs} ms before committing past ${it(many)}; ${again(many)}` };
  if (refused)
    return {
      who,
      why: (many) =>
        `${be(many)} processed by ${first.by}, whose commit at ${refused.atMs} ms was refused: generation ${refused.generation} was over, it had been removed from the group; ${again(many)}`,
    };
  return {
    who,
    why: (many) =>
      `${be(many)} processed by ${first.by}, and the committed offset of p${first.partition} had not passed ${it(many)} when ${second.by} took over; ${again(many)}`,
  };
}

export function duplicate(n: number, causes: readonly Cause[]): Words {
  return {
    title: `${count(n, "record")} delivered more than once`,
    explanation: `The output holds ${n === 1 ? "one record" : `${n} records`} more than once. ${tell(causes).join(" ")}`,
  };
}

/** Why a stored record never reached the output. */
export function consumerLossCause(run: KafkaRun, s: SentRecord, offset: number, commit: CommitRecord | undefined): Cause {
  const who = `${rec(s)} at ${at(s.partition, offset)}`;
  if (!commit) return { who, why: (many) => `${be(many)} in the log, but the committed offset passed ${it(many)} and nothing processed ${it(many)}.` };
  const crash = run.crashes.find((c) => c.who === commit.by && c.atMs >= commit.atMs);
  const then = crash ? `then ${commit.by} crashed at ${crash.atMs} ms` : `then ${commit.by} lost the partition`;
  return {
    who,
    why: (many) =>
      `${be(many)} covered by ${commit.by}'s commit of p${s.partition}→${commit.offset} at ${commit.atMs} ms, made before processing, ${then}; the partition's next owner started at offset ${commit.offset} and never saw ${it(many)}.`,
  };
}

/** Why a record the producer sent is not in the log. */
export function producerLossCause(run: KafkaRun, s: SentRecord): Cause {
  const who = rec(s);
  if (run.acks === 0)
    return {
      who,
      why: (many) =>
        `never reached the log: with acks=0 the producer does not wait for an answer, so it counted ${it(many)} as sent though the request was lost.`,
    };
  return { who, why: () => "never reached the log." };
}

export function lost(n: number, causes: readonly Cause[]): Words {
  return {
    title: `${count(n, "record")} lost`,
    explanation: `${n === 1 ? "A record" : `${n} records`} the producer sent never reached the output. ${tell(causes).join(" ")}`,
  };
}

/** Why acknowledged records are not in the final log: the failover (and truncation) that dropped them. */
export function ackLostCause(run: KafkaRun, p: number, t: Truncation | undefined, f: Failover | undefined): string {
  const trunc = t ? ` ${t.broker} later truncated p${t.partition} to offset ${t.to} to match the new leader (KIP-101), dropping its copies.` : "";
  if (!f) return `They are not in p${p}'s final log.${trunc}`;
  if (f.unclean)
    return `When ${f.from} failed, no in-sync replica was alive and ${f.to} was elected although it was not in sync (unclean leader election): its log ended at ${f.newEnd}, the old leader's at ${f.oldEnd}.${trunc}`;
  if (run.acks === 1) return `With acks=1 only the leader ${f.from} had them when it answered; ${f.to} became leader without them.${trunc}`;
  return `The ISR was {${f.isrBefore.join(", ")}} when ${f.from} failed: with min.insync.replicas=${run.minInsyncReplicas} the leader had acknowledged alone, so ${f.to} was elected without them.${trunc}`;
}

export function acknowledgedLost(records: readonly SentRecord[], run: KafkaRun, causes: readonly string[]): Words {
  const n = records.length;
  const shown = list(records.slice(0, 6).map((s) => `${rec(s)} at ${at(s.partition, s.ackOffset ?? 0)}`)) + (n > 6 ? ` and ${n - 6} more` : "");
  return {
    title: `${count(n, "acknowledged record")} lost`,
    explanation: `The producer was told ${shown} ${n === 1 ? "was" : "were"} written (${acksWord(run)}), yet the final log does not have ${n === 1 ? "it" : "them"}. ${[...new Set(causes)].join(" ")}`,
  };
}

export function orderViolation(key: string, p: number, first: SentRecord, second: SentRecord, run: KafkaRun): Words {
  return {
    title: `Key ${key}: ${rec(second)} stored before ${rec(first)}`,
    explanation:
      `${rec(first)} was sent before ${rec(second)}, both to p${p}, yet the log holds them the other way round. ${rec(first)}'s first request failed and was retried ` +
      `while ${rec(second)} was already in flight (max.in.flight=${run.maxInFlight}${run.idempotence ? "" : ", no idempotence"}). ` +
      "With `idempotence: true` the broker refuses a record that skips a sequence number, so a retry cannot be overtaken; `maxInFlight: 1` also keeps order, at the cost of throughput.",
  };
}

export function producerGaveUp(failed: readonly SentRecord[]): Words {
  return {
    title: `The producer gave up on ${count(failed.length, "record")}`,
    explanation: `${list(failed.slice(0, 5).map((s) => `${rec(s)} (${s.error}, ${count(s.attempts, "attempt")})`))}: the application's send() failed, so it knows; nothing was acknowledged.`,
  };
}

export function rebalanceStall(run: KafkaRun, rebalances: readonly Rebalance[], stalledMs: number, sessionTimeoutMs: number): Words {
  const eager = run.assignor !== "cooperative-sticky";
  const longest = Math.max(...rebalances.map((r) => (r.endMs ?? run.endMs) - r.startMs));
  const stopped = [...new Set(rebalances.flatMap((r) => r.revoked))].sort((a, b) => a - b);
  const silent = rebalances.some((r) => r.why.endsWith("stopped heartbeating"))
    ? ` Before that, the silent member's partitions had no consumer for up to session.timeout.ms (${duration(sessionTimeoutMs)}), until the coordinator gave up on its heartbeats.`
    : "";
  return {
    title: `${count(rebalances.length, "rebalance")}: ${duration(stalledMs)} of partition time without a consumer`,
    explanation:
      `${list(rebalances.map((r) => `generation ${r.generation} (${r.why})`))}; the longest took ${duration(longest)}.${silent} ` +
      (eager
        ? `With the eager protocol (\`${run.assignor}\`) every member gives up all its partitions before rejoining, so consumption stopped on all of ${list(stopped.map((p) => `p${p}`))} until the new assignment arrived.`
        : `With cooperative-sticky members keep consuming what they own while they rejoin; only ${stopped.length ? list(stopped.map((p) => `p${p}`)) : "no partition"} stopped, handed over in a second round once revoked (KIP-429).`),
  };
}

export function consumerLag(maxLag: number, atMs: number, endLag: number): Words {
  return {
    title: `Lag peaked at ${count(maxLag, "record")}`,
    explanation: `Over all partitions the committed offsets were at most ${count(maxLag, "record")} behind the high watermark, at ${atMs} ms; ${endLag ? `${count(endLag, "record")} still unconsumed at the end` : "the group had caught up by the end"}.`,
  };
}

export function uncleanElection(f: Failover): Words {
  return {
    title: `p${f.partition}: unclean leader election`,
    explanation: `No in-sync replica of p${f.partition} was alive, so ${f.to} was elected from outside the ISR at ${f.atMs} ms (\`uncleanLeaderElection: true\`): the partition stays available, but whatever ${f.to} lacked (offsets ${f.newEnd} to ${f.oldEnd - 1}) is gone.`,
  };
}

export function partitionOffline(ps: readonly number[]): Words {
  return {
    title: `${list(ps.map((p) => `p${p}`))} left without a leader`,
    explanation: `No in-sync replica was alive and unclean leader election is off, so Kafka keeps the partition offline rather than elect a replica that may lack acknowledged records. Producers and consumers of it wait until an in-sync replica comes back.`,
  };
}

export function truncated(ts: readonly Truncation[]): Words {
  return {
    title: `${count(ts.length, "replica")} truncated after a leader change`,
    explanation: `${list(ts.map((t) => `${t.broker} cut p${t.partition} from ${t.from} to ${t.to} entries`))}: a follower asks the new leader where its last leader epoch ended and drops what lies beyond (KIP-101), so replicas never keep records the leader does not have.`,
  };
}

export function duplicateRejected(n: number): Words {
  return {
    title: `The broker dropped ${count(n, "resent record")}`,
    explanation:
      "The idempotent producer resent records whose first answer it never got; each carried the same producer id and sequence number, so the leader recognised it, appended nothing and acknowledged the original offset.",
  };
}

export function commitRefused(refused: readonly CommitRecord[]): Words {
  const who = [...new Set(refused.map((c) => c.by))];
  const txns = [...new Set(refused.flatMap((c) => (c.txn ? [c.txn] : [])))];
  const them = who.length === 1 ? "it" : "they";
  const after = txns.length
    ? `The refused commit was a transaction's (${list(txns)}), so the transaction was aborted with it: its outputs never reach a \`read_committed\` reader, and the partition's next owner, which processes the records again, is the only one whose outputs count (the zombie fencing of KIP-447).`
    : `What ${them} processed since the last accepted commit is processed again by the partition's next owner.`;
  return {
    title: `${count(refused.length, "offset commit")} refused`,
    explanation: `${list(who)} committed with a generation that was over: ${them} had been removed from the group (a member that stops heartbeating for \`sessionTimeoutMs\` is) or the group had moved on. ${after}`,
  };
}

export function hotPartition(p: number, n: number, total: number, partitions: number): Words {
  return {
    title: `p${p} took ${n} of ${total} records`,
    explanation: `With ${partitions} partitions a fair share is about ${Math.round(total / partitions)}. A key that dominates the traffic always lands on the same partition, and a partition is read by one member of the group at a time: however many consumers the group has, one of them does most of the work.`,
  };
}

export function allHeld(run: KafkaRun, delivered: number): string {
  return `${delivered === 1 ? "The record" : `All ${delivered} records`} reached the output exactly once, in order per key (${acksWord(run)}, ${run.idempotence ? "idempotent" : "non-idempotent"} producer, ${run.assignor}, commit ${run.commit}).`;
}
