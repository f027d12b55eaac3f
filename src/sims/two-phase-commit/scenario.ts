// Options of the two-phase commit simulator: the participants, what one in doubt does, other
// transactions waiting for the locked rows, scripted and random faults, the network and
// exploration; `resolve` checks the names and that every scripted fault can happen.
import type { Design } from "../../core/explore";
import { NAME } from "../../core/network";
import { exploreSeeded } from "../../scenario/explore";
import { networkSchema, untilMsSchema } from "../../scenario/network";
import { s, type Infer } from "../../scenario/schema";
import type { Example, ResolveContext } from "../types";

export const COORDINATOR = "coordinator";

const RECOVERY = [
  {
    value: "wait",
    doc: "A participant that voted yes waits for the coordinator, asking it again and again (the textbook protocol: safe, but it blocks).",
  },
  {
    value: "cooperative",
    doc:
      "A participant in doubt also asks the other participants: if one of them already knows the decision, or has not voted yet (and so may abort), " +
      "it can finish. If all voted yes, it is still blocked.",
  },
  {
    value: "heuristic-abort",
    doc:
      "A participant in doubt for longer than heuristicMs gives up and aborts on its own (an XA heuristic decision): " +
      "no more blocking, but the outcome may be mixed.",
  },
] as const;
export type Recovery = (typeof RECOVERY)[number]["value"];

/** Where the coordinator (any of them) or a participant (prepare only) can crash. */
export const POINTS = [
  { value: "first-prepare", doc: "Coordinator: after sending PREPARE to the first participant only." },
  { value: "prepare", doc: "Coordinator: after sending PREPARE to everyone. Participant: after logging PREPARED, before its vote leaves." },
  { value: "decision", doc: "Coordinator: after logging the decision, before telling anyone." },
  { value: "first-commit", doc: "Coordinator: after sending the decision to the first participant only." },
] as const;
export type Point = (typeof POINTS)[number]["value"];

function participantNames(root: unknown): string[] {
  const p = (root as { participants?: unknown } | null)?.participants;
  const list = Array.isArray(p) ? p.filter((x): x is string => typeof x === "string") : ["payment", "inventory"];
  return [COORDINATOR, ...list];
}

const fault = s.object("One scripted fault.", {
  type: s.required(
    s.enum({
      doc: "What goes wrong.",
      values: [
        { value: "crash", doc: "A service crashes at a point of the protocol (`after`) and restarts after `downMs` (0: never)." },
        { value: "vote-no", doc: "The participant `service` votes no (it cannot commit: a constraint fails)." },
      ],
    }),
  ),
  service: s.required(s.ref({ doc: "The coordinator or a participant.", what: "participant", names: participantNames })),
  after: s.field(s.enum({ doc: "crash: when.", default: "prepare", values: POINTS })),
  downMs: s.field(s.integer({ doc: "How long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 1000, unit: "ms" })),
});

const random = s.object("Faults drawn from the seed.", {
  coordinatorCrash: s.field(
    s.number({ doc: "Probability that the coordinator crashes, at a point of the protocol drawn at random.", min: 0, max: 1, default: 0 }),
  ),
  participantCrash: s.field(s.number({ doc: "Probability that each participant crashes after logging PREPARED.", min: 0, max: 1, default: 0 })),
  voteNo: s.field(s.number({ doc: "Probability that each participant votes no.", min: 0, max: 1, default: 0 })),
  downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down (0: never restarts).", min: 0, max: 600_000, default: 1000, unit: "ms" })),
});

export const schema = s.object(
  "One distributed transaction over several participants with two-phase commit: PREPARE and votes, then the coordinator's logged decision, " +
    "then COMMIT or ABORT. Crashes leave participants in doubt, holding their locks; other transactions that need the locked rows wait.",
  {
    participants: s.field(
      s.array({
        doc: "The participants (resource managers), each holding one row the transaction changes.",
        minItems: 1,
        maxItems: 6,
        default: ["payment", "inventory"],
        items: s.string({ doc: "A participant's name.", minLength: 1, maxLength: 32 }),
      }),
    ),
    recovery: s.knob(s.enum({ doc: "What a participant in doubt does.", values: RECOVERY, default: "wait" })),
    heuristicMs: s.field(
      s.integer({
        doc: "heuristic-abort: how long a participant stays in doubt before it aborts on its own.",
        min: 1,
        max: 600_000,
        default: 1000,
        unit: "ms",
      }),
    ),
    timeoutMs: s.field(
      s.integer({
        doc:
          "How long the coordinator waits for votes before aborting, and how long a participant in doubt waits before asking for the decision " +
          "(then backing off, doubling up to 8 times).",
        min: 1,
        max: 60_000,
        default: 200,
        unit: "ms",
      }),
    ),
    requests: s.field(
      s.integer({
        doc: "Other transactions that need each participant's row, arriving one every requestGapMs from t=requestGapMs; they wait while the row is locked.",
        min: 0,
        max: 100,
        default: 3,
      }),
    ),
    requestGapMs: s.field(s.integer({ doc: "Gap between those other transactions.", min: 1, max: 60_000, default: 100, unit: "ms" })),
    faults: s.field(s.array({ doc: "Scripted faults.", default: [], maxItems: 10, items: fault })),
    random: s.field(random),
    network: s.field(networkSchema),
    explore: s.field(
      exploreSeeded(
        "Instead of one run, many: this many seeds drawn from the cell's seed, or these seeds; " +
          "the outcomes are counted per recovery choice (faults come from `random`).",
        20_000,
      ),
    ),
    compare: s.field(
      s.array({
        doc: "Explore: recovery choices run on the same seeds.",
        default: [],
        maxItems: 3,
        items: s.enum({ doc: "A recovery choice.", values: RECOVERY }),
      }),
    ),
    untilMs: s.field(untilMsSchema(5000)),
  },
);

export type Options = Infer<typeof schema>;

export const examples: readonly Example[] = [
  { name: "everything goes well", description: "Prepare, vote yes, commit.", body: "participants: [payment, inventory]\n" },
  {
    name: "coordinator crashes after prepare",
    description: "Participants voted yes and wait, locks held, until the coordinator returns.",
    body: "participants: [payment, inventory]\nfaults:\n  - type: crash\n    service: coordinator\n    after: prepare\n    downMs: 0\n",
  },
  {
    name: "waiting or deciding alone",
    description: "1,000 seeds with coordinator crashes: wait, cooperative termination, heuristic abort.",
    body: "explore: 1000\ncompare: [wait, cooperative, heuristic-abort]\nrandom:\n  coordinatorCrash: 0.3\n  downMs: 0\n",
  },
];

/** A scripted crash: where in the protocol, and for how long (undefined: the service never restarts). */
export interface Crash {
  readonly point: Point;
  readonly downMs: number | undefined;
}

/** One run's options: the cell without exploration, its scripted faults by service. */
export interface Setup extends Omit<Options, "faults" | "explore" | "compare"> {
  readonly crashes: ReadonlyMap<string, Crash>;
  /** Participants that vote no. */
  readonly voteNo: ReadonlySet<string>;
}

export interface Resolved {
  readonly run: Setup;
  /** With `explore:`: the seeds (a count drawn from the cell's seed, or a list) and the recovery choices run on each. */
  readonly explore?: { readonly cases: number | readonly number[]; readonly designs: readonly Design<Setup>[] };
}

function checkNames(participants: readonly string[], ctx: ResolveContext): void {
  const seen = new Set<string>();
  participants.forEach((p, i) => {
    if (!NAME.test(p)) ctx.fail(["participants", i], `Participant names may use letters, digits, "-" and "_", starting with a letter (got "${p}").`);
    if (p === COORDINATOR || seen.has(p)) {
      ctx.fail(["participants", i], `The participant name "${p}" is taken; each participant needs its own name, other than coordinator.`);
    }
    seen.add(p);
  });
}

export function resolve(o: Options, ctx: ResolveContext): Resolved {
  checkNames(o.participants, ctx);
  const crashes = new Map<string, Crash>();
  const voteNo = new Set<string>();
  o.faults.forEach((f, i) => {
    if (f.type === "vote-no") {
      if (f.service === COORDINATOR) ctx.fail(["faults", i, "service"], "vote-no: the coordinator does not vote; name a participant.");
      voteNo.add(f.service);
      return;
    }
    if (f.service !== COORDINATOR && f.after !== "prepare") {
      ctx.fail(["faults", i, "after"], `A participant can crash only after prepare (got "${f.after}" for ${f.service}).`);
    }
    crashes.set(f.service, { point: f.after, downMs: f.downMs === 0 ? undefined : f.downMs });
  });
  const { faults: _faults, explore, compare, ...rest } = o;
  const run: Setup = { ...rest, crashes, voteNo };
  if (explore === undefined) return { run };
  const designs = compare.length
    ? [...new Set(compare)].map((d) => ({ name: d as string, options: { ...run, recovery: d }, keys: { recovery: d } }))
    : [{ name: run.recovery as string, options: run }];
  return { run, explore: { cases: explore, designs } };
}
