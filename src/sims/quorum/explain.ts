// What a learner reads about each finding of the quorum simulator: one function per finding code,
// giving its title and explanation, naming the operations (as the consistency checker names them)
// and the nodes involved.
import { showOp, type Operation } from "../../core/consistency";
import { showVersion, type OpRecord, type QuorumRun } from "./model";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? "none") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);
const skewOf = (run: QuorumRun, node: string) => run.setup.skewMs[node] ?? 0;
const clockWords = (ms: number) => (ms === 0 ? "keeps real time" : ms < 0 ? `runs ${-ms} ms behind` : `runs ${ms} ms ahead`);
const quorumWords = (run: QuorumRun) => {
  const { n, r, w } = run.setup;
  return `N=${n}, R=${r}, W=${w} (R + W ${r + w > n ? ">" : "≤"} N)`;
};

/** A write acknowledged after another write had returned, dropped because its timestamp was older. */
export function lostWriteLww(run: QuorumRun, lost: OpRecord, winner: OpRecord, lostOp: Operation, winnerOp: Operation, droppedOn: readonly string[]): Words {
  const lv = lost.version!;
  const wv = winner.version!;
  const where = droppedOn.length ? ` ${list(droppedOn)} received it and dropped it silently;` : "";
  return {
    title: `${lost.client}'s acknowledged write ${lost.key} = ${lost.value} was lost to clock skew`,
    explanation:
      `${showOp(lostOp)} began after ${showOp(winnerOp)} had returned, and was acknowledged by ${list(lost.answered)}. ` +
      `But its coordinator ${lost.coord}, whose clock ${clockWords(skewOf(run, lost.coord))}, stamped it ${lv.ts}, while ${winner.coord} ` +
      `(clock ${clockWords(skewOf(run, winner.coord))}) had stamped ${winner.value} with ${wv.ts}. Last-writer-wins keeps the higher timestamp:` +
      `${where} every replica keeps ${winner.value}. The client was told its write succeeded, and no read will ever return it. ` +
      "Version vectors (`conflicts: version-vectors`) keep both writes as siblings instead; synchronised clocks only narrow the window.",
  };
}

/** Reads returned several concurrent versions (version vectors). */
export function siblings(reads: readonly OpRecord[]): Words {
  const first = reads[0]!;
  const values = (first.result ?? []).map((v) => showVersion("version-vectors", v));
  return {
    title: `${reads.length === 1 ? `${first.client}'s read` : `${reads.length} reads`} returned siblings`,
    explanation:
      `${first.client}'s read of ${first.key} (answered by ${list(first.answered)}) got ${values.length} concurrent versions: ${list(values)}. ` +
      "Neither version vector descends from the other, so neither write saw the other and the store keeps both rather than guess. " +
      "The client must merge them; its next write carries the merged vector as its context and replaces both.",
  };
}

/** Read B began after read A returned, and returned an older version: the R + W > N counterexample. */
export function newThenOld(run: QuorumRun, a: OpRecord, b: OpRecord, aOp: Operation, bOp: Operation, write: OpRecord | undefined, checker: string): Words {
  const progress = write
    ? write.retMs === undefined || write.retMs > a.retMs!
      ? ` ${write.client}'s write of ${write.value} was still in progress (it had not been acknowledged by W=${run.setup.w} replicas${write.retMs === undefined ? ", and never was" : ` until t=${write.retMs}`}),` +
        ` so only some replicas held it.`
      : ""
    : "";
  return {
    title: `${b.client}'s read went back to an older value after ${a.client}'s read saw the newer one`,
    explanation:
      `With ${quorumWords(run)}, ${showOp(aOp)} heard from ${list(a.answered)}, and then ${showOp(bOp)} heard from ${list(b.answered)}.${progress} ` +
      `Every read quorum overlaps every completed write quorum, but nothing makes a read quorum overlap the replicas a write in progress has reached, ` +
      `nor makes one read see what an earlier read saw: once ${a.client} had seen the new value, a linearizable store could never return the old one. ` +
      `Blocking read repair (\`readRepair: blocking\`) writes the newest version back to the stale replicas a read heard from before it returns, ` +
      `so the next read quorum meets it. ${checker}`,
  };
}

/** A read missed a write acknowledged before it began. */
export function staleRead(run: QuorumRun, read: OpRecord, write: OpRecord, readOp: Operation, writeOp: Operation, checker: string): Words {
  const overlap =
    run.setup.r + run.setup.w > run.setup.n
      ? "R + W > N, so the quorums overlap on paper, yet the replicas that acknowledged the write were not the ones the read asked"
      : `R + W ≤ N: a read quorum of ${run.setup.r} need not include any of the ${run.setup.w} replicas that acknowledged the write`;
  return {
    title: `${read.client}'s read of ${read.key} missed a write acknowledged before it began`,
    explanation:
      `${showOp(writeOp)} was acknowledged by ${list(write.answered)} before ${showOp(readOp)} began, yet the read heard only from ${list(read.answered)}, ` +
      `which did not have it. ${overlap}; here ${quorumWords(run)}. ${checker}`,
  };
}

/** A stale read whose missed write had been acknowledged by stand-ins (sloppy quorum). */
export function sloppyQuorumStaleRead(run: QuorumRun, read: OpRecord, write: OpRecord, readOp: Operation, writeOp: Operation, checker: string): Words {
  return {
    title: `${read.client}'s read missed a write a sloppy quorum had acknowledged`,
    explanation:
      `${showOp(writeOp)} was acknowledged by ${list(write.answered)}, but ${list(write.standIns)} only stood in for preferred replicas that were down, ` +
      `holding the write as a hint. ${showOp(readOp)} heard from ${list(read.answered)}, none of which had it yet: the write quorum and the read quorum ` +
      `did not overlap, although ${quorumWords(run)}. A sloppy quorum keeps writes available while nodes are down, and pays with reads like this ` +
      `until hinted handoff brings the write home. With \`sloppy: false\` the write would have failed instead. ${checker}`,
  };
}

/** Operations that failed: too few replicas answered in time. */
export function unavailable(run: QuorumRun, failed: readonly OpRecord[]): Words {
  const f = failed[0]!;
  return {
    title: `${failed.length} operation${failed.length === 1 ? "" : "s"} failed for lack of replicas`,
    explanation:
      `${f.client}'s ${f.kind} of ${f.key} (coordinated by ${f.coord}) got fewer than ${f.kind === "write" ? `W=${run.setup.w} acknowledgements` : `R=${run.setup.r} replies`} ` +
      `within ${run.setup.timeoutMs} ms. A failed write may still have been stored by the replicas it reached: it was neither done nor undone. ` +
      (run.setup.sloppy ? "" : "A sloppy quorum (`sloppy: true`) would have written to the next nodes on the ring instead."),
  };
}

/** Hints still held at the end of the run: their owners never came back (or the run stopped first). */
export function hintsPending(run: QuorumRun): Words {
  const h = run.hintsLeft;
  return {
    title: `${h.length} hint${h.length === 1 ? "" : "s"} not handed back`,
    explanation:
      `${list(h.map((x) => `${x.holder} holds ${x.key} for ${x.owner}`))} at t=${run.endMs} ms. Until the owner returns and takes the write, ` +
      "reads from the preferred replicas miss it; if the holder dies too, the write is lost. Anti-entropy between the other replicas still spreads it.",
  };
}

/** Hints handed back to their owners after they recovered. */
export function hintedHandoff(run: QuorumRun): Words {
  const h = run.handoffs;
  const at = (seq: number) => run.events[seq]?.atMs ?? 0;
  return {
    title: `Hinted handoff: ${h.length} write${h.length === 1 ? "" : "s"} handed back`,
    explanation:
      `${list(h.map((x) => `${x.holder} handed ${x.key} back to ${x.owner} (t=${at(x.seq)} ms)`))}. ` +
      "A stand-in keeps a write meant for a node that is down, with a hint naming that node, and delivers it once the node is back.",
  };
}

/** When nothing is wrong: what held. */
export function held(run: QuorumRun, operations: number, linearizable: boolean | "unknown", session: string): string {
  const lin = linearizable === true ? "linearizable" : linearizable === "unknown" ? "of undecided linearizability" : "not linearizable";
  return `${operations} operation${operations === 1 ? "" : "s"} with ${quorumWords(run)}, ${run.setup.conflicts}: ${lin}. ${session}`;
}
