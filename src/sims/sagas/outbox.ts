// The dual-write problem and the transactional outbox, in the same message-passing world. An order
// service must both store an order and publish "order placed" to a broker, from which the shipping
// service consumes it. Writing the database and then publishing loses the event if the service
// crashes in between; publishing first announces orders that never get stored. The outbox stores
// the event with the order in one local transaction, and a relay publishes it later: nothing is
// lost, but a relay crash between publishing and marking the row sent publishes it again, so the
// consumer must deduplicate.
import { ScenarioError } from "../../core/errors";
import { createRng, type Rng } from "../../core/rng";
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import type { TableSpec } from "../../protocol/output";
import { s, type Infer } from "../../scenario/schema";
import { defineSimulator, type Presentation } from "../types";
import { exploreSchema, networkSchema, untilSchema } from "./common-schema";
import { worldDiagram } from "../../present/network";
import { exploreDesigns, exploreVerdict, seedCases, SEEDED, type Explored } from "../../core/explore";
import { exploreChart, exploreMetrics, exploreTable } from "../../present/explore";
import { backoffMs, World, type Message, type WorldEvent } from "../../core/network";

const ORDER = "order";
const RELAY = "relay";
const BROKER = "broker";
const SHIPPING = "shipping";

export const DESIGNS = [
  { value: "dual-write", doc: "Commit the order, then publish the event: a crash in between loses the event." },
  { value: "publish-first", doc: "Publish the event, then commit the order: a crash in between announces an order that does not exist." },
  { value: "outbox", doc: "Commit the order and an outbox row together; a relay polls the outbox, publishes, then marks the row sent. The consumer applies every delivery." },
  { value: "outbox-dedup", doc: "The outbox, and a consumer that records each event id with its effect and skips ids it has seen." },
] as const;
type Design = (typeof DESIGNS)[number]["value"];

export const schema = s.object("An order service stores orders and must tell the shipping service about each one through a broker. Compare writing the database and publishing separately (dual write) with the transactional outbox and a relay, under crashes and a lossy network.", {
  design: s.field(s.enum({ doc: "How the order service gets its event out.", values: DESIGNS, default: "outbox-dedup" })),
  orders: s.field(s.integer({ doc: "Orders placed, one every orderGapMs from t=0.", min: 1, max: 50, default: 3 })),
  orderGapMs: s.field(s.integer({ doc: "Gap between orders.", min: 0, max: 60_000, default: 50, unit: "ms" })),
  pollMs: s.field(s.integer({ doc: "Outbox: how often the relay looks for unsent rows.", min: 1, max: 60_000, default: 30, unit: "ms" })),
  timeoutMs: s.field(s.integer({ doc: "How long a publisher waits for the broker's acknowledgement, and the broker for the consumer's, before sending again (backing off, doubling).", min: 1, max: 60_000, default: 100, unit: "ms" })),
  faults: s.field(s.array({ doc: "Scripted crashes.", default: [], maxItems: 10, items: s.object("One scripted crash.", {
    service: s.required(s.enum({ doc: "Who crashes.", values: [
      { value: "order", doc: "The order service." },
      { value: "relay", doc: "The outbox relay." },
      { value: "shipping", doc: "The consumer." },
    ] })),
    after: s.required(s.enum({ doc: "When.", values: [
      { value: "commit", doc: "order: right after committing the order (before publishing, in dual-write)." },
      { value: "publish", doc: "order (publish-first): right after publishing, before committing. relay: after the broker acknowledged, before marking the row sent." },
      { value: "consume", doc: "shipping: after applying the event, before acknowledging it." },
    ] })),
    order: s.field(s.integer({ doc: "Which order (from 1).", min: 1, max: 50, default: 1 })),
    downMs: s.field(s.integer({ doc: "How long the service stays down (0: it never restarts).", min: 0, max: 3_600_000, default: 200, unit: "ms" })),
  }) })),
  random: s.field(s.object("Crashes drawn from the seed: at each of the points above, the service crashes with this probability.", {
    crash: s.field(s.number({ doc: "Probability of a crash at each crash point.", min: 0, max: 1, default: 0 })),
    downMs: s.field(s.integer({ doc: "How long a randomly crashed service stays down.", min: 1, max: 600_000, default: 200, unit: "ms" })),
  })),
  network: s.field(networkSchema),
  explore: s.field(exploreSchema),
  compare: s.field(s.array({ doc: "Explore: designs run on the same seeds.", default: [], maxItems: 4, items: s.enum({ doc: "A design.", values: DESIGNS }) })),
  untilMs: s.field({ ...untilSchema, default: 10_000 }),
});

export type Options = Infer<typeof schema>;
type Point = "commit" | "publish" | "consume";

type Body =
  | { readonly t: "place"; readonly order: number }
  | { readonly t: "publish"; readonly order: number; readonly via: string }
  | { readonly t: "published"; readonly order: number }
  | { readonly t: "deliver"; readonly order: number; readonly delivery: number }
  | { readonly t: "consumed"; readonly delivery: number };
type Tag = { readonly t: "place"; readonly order: number } | { readonly t: "poll" } | { readonly t: "republish"; readonly order: number; readonly n: number } | { readonly t: "redeliver"; readonly delivery: number; readonly n: number };

export interface OutboxRun {
  readonly design: Design;
  readonly orders: number;
  readonly events: readonly WorldEvent[];
  /** Per order (index 0 is order 1): the commit event, the shipments' events, whether the outbox row is still unsent. */
  readonly committed: readonly (number | undefined)[];
  readonly shipped: readonly (readonly number[])[];
  readonly unsent: readonly boolean[];
  /** Per order: whether the broker ever stored its event. */
  readonly brokered: readonly boolean[];
  readonly crashes: readonly number[];
  readonly downServices: readonly string[];
  readonly endMs: number;
  readonly stats: { readonly published: number; readonly deliveries: number; readonly skipped: number };
}

function simulateOnce(o: Options, rng: Rng): OutboxRun {
  const w = new World<Body, Tag>(rng, o.network);
  const design = o.design;
  const outbox = design === "outbox" || design === "outbox-dedup";
  const dedup = design === "outbox-dedup";
  const committed: (number | undefined)[] = Array.from({ length: o.orders }, () => undefined);
  const shipped: number[][] = Array.from({ length: o.orders }, () => []);
  const outboxRows = new Map<number, "new" | "sent">();
  const crashes: number[] = [];
  /** The order service's volatile wait for the broker's acknowledgement (dual write, publish first). */
  let awaiting = new Map<number, "before-commit" | "after-commit">();
  let relayBusy = new Set<number>();
  let relayPolling = false;
  const seenIds = new Set<number>();
  // Broker: durable queue of deliveries not yet acknowledged by the consumer.
  const unacked = new Map<number, number>();
  const brokered: boolean[] = Array.from({ length: o.orders }, () => false);
  let nextDelivery = 1;
  let published = 0;
  let skipped = 0;
  let placed = 0;
  const scripted = new Map<string, number | undefined>();
  for (const f of o.faults) {
    if (f.order > o.orders) throw new ScenarioError(`The crash names order ${f.order}, but only ${o.orders} order${o.orders > 1 ? "s are" : " is"} placed.`);
    const ok = (f.service === ORDER && (f.after === "commit" || f.after === "publish")) || (f.service === RELAY && f.after === "publish") || (f.service === SHIPPING && f.after === "consume");
    if (!ok) throw new ScenarioError(`${f.service} has no crash point "${f.after}": the order service crashes after commit or publish, the relay after publish, shipping after consume.`);
    scripted.set(`${f.service}:${f.after}:${f.order}`, f.downMs === 0 ? undefined : f.downMs);
  }
  const crashIf = (who: string, point: Point, order: number): boolean => {
    const key = `${who}:${point}:${order}`;
    let down: number | undefined;
    if (scripted.has(key)) {
      down = scripted.get(key);
      scripted.delete(key);
    } else if (o.random.crash > 0 && rng.chance(o.random.crash)) down = o.random.downMs;
    else return false;
    w.crash(who, down, `after ${point} of order ${order}`);
    crashes.push(w.trace.length - 1);
    return true;
  };
  const commitOrder = (n: number, withOutbox: boolean) => {
    const ev = w.record({ actor: ORDER, kind: "commit", saga: n, text: `commit order ${n}${withOutbox ? " + outbox row" : ""}` });
    committed[n - 1] = ev.seq;
    if (withOutbox) outboxRows.set(n, "new");
  };
  const publishFromOrder = (n: number, phase: "before-commit" | "after-commit", again: boolean) => {
    awaiting.set(n, phase);
    w.send(ORDER, BROKER, "call", `publish OrderPlaced ${n}`, { t: "publish", order: n, via: ORDER }, n, again);
    w.timer(ORDER, o.timeoutMs, { t: "republish", order: n, n: 2 });
  };
  w.add({
    name: ORDER,
    onMessage: (m: Message<Body>) => {
      const b = m.body;
      if (b.t !== "published") return;
      const phase = awaiting.get(b.order);
      if (!phase) return;
      awaiting.delete(b.order);
      if (phase === "before-commit") {
        if (crashIf(ORDER, "publish", b.order)) return;
        commitOrder(b.order, false);
      }
    },
    onTimer: (tag: Tag) => {
      if (tag.t === "republish" && awaiting.has(tag.order)) {
        w.record({ actor: ORDER, kind: "retry", saga: tag.order, text: `no ack from the broker: publish order ${tag.order} again` });
        w.send(ORDER, BROKER, "call", `publish OrderPlaced ${tag.order} (again)`, { t: "publish", order: tag.order, via: ORDER }, tag.order, true);
        w.timer(ORDER, backoffMs(o.timeoutMs, 2, o.timeoutMs * 16, tag.n + 1), { t: "republish", order: tag.order, n: tag.n + 1 });
      }
    },
    onCrash: () => {
      // What the service meant to publish was only in memory.
      awaiting = new Map();
    },
  });
  // The relay reads the order service's outbox table and publishes unsent rows.
  const poll = () => {
    relayPolling = false;
    const todo = [...outboxRows].filter(([n, st]) => st === "new" && !relayBusy.has(n)).map(([n]) => n);
    if (todo.length) w.record({ actor: RELAY, kind: "log", text: `outbox has ${todo.length} unsent row${todo.length > 1 ? "s" : ""}: ${todo.map((n) => `order ${n}`).join(", ")}` });
    for (const n of todo) {
      relayBusy.add(n);
      w.send(RELAY, BROKER, "call", `publish OrderPlaced ${n}`, { t: "publish", order: n, via: RELAY }, n);
      w.timer(RELAY, o.timeoutMs, { t: "republish", order: n, n: 2 });
    }
    schedulePoll();
  };
  const schedulePoll = () => {
    if (relayPolling) return;
    // Poll while rows may come: orders still to be placed, or rows not yet sent.
    const more = [...outboxRows.values()].some((st) => st === "new") || placed < o.orders;
    if (!more || !w.isUp(RELAY)) return;
    relayPolling = true;
    w.timer(RELAY, o.pollMs, { t: "poll" });
  };
  if (outbox) {
    w.add({
      name: RELAY,
      onMessage: (m: Message<Body>) => {
        const b = m.body;
        if (b.t !== "published" || !relayBusy.has(b.order)) return;
        if (crashIf(RELAY, "publish", b.order)) return;
        relayBusy.delete(b.order);
        outboxRows.set(b.order, "sent");
        w.record({ actor: RELAY, kind: "commit", saga: b.order, text: `mark outbox row of order ${b.order} sent` });
      },
      onTimer: (tag: Tag) => {
        if (tag.t === "poll") poll();
        else if (tag.t === "republish" && relayBusy.has(tag.order)) {
          w.record({ actor: RELAY, kind: "retry", saga: tag.order, text: `no ack from the broker: publish order ${tag.order} again` });
          w.send(RELAY, BROKER, "call", `publish OrderPlaced ${tag.order} (again)`, { t: "publish", order: tag.order, via: RELAY }, tag.order, true);
          w.timer(RELAY, backoffMs(o.timeoutMs, 2, o.timeoutMs * 16, tag.n + 1), { t: "republish", order: tag.order, n: tag.n + 1 });
        }
      },
      onCrash: () => {
        relayBusy = new Set();
        relayPolling = false;
      },
      onRecover: () => schedulePoll(),
    });
  }
  // The broker never crashes here: it keeps each message until the consumer acknowledges it.
  const deliver = (delivery: number, n: number, again: boolean) => {
    w.send(BROKER, SHIPPING, "async", `OrderPlaced ${n}${again ? " (redelivery)" : ""}`, { t: "deliver", order: n, delivery }, n, again);
  };
  w.add({
    name: BROKER,
    onMessage: (m: Message<Body>) => {
      const b = m.body;
      if (b.t === "publish") {
        published++;
        brokered[b.order - 1] = true;
        const d = nextDelivery++;
        unacked.set(d, b.order);
        w.send(BROKER, b.via, "reply", "stored", { t: "published", order: b.order }, b.order);
        deliver(d, b.order, false);
        w.timer(BROKER, o.timeoutMs, { t: "redeliver", delivery: d, n: 2 });
      } else if (b.t === "consumed") unacked.delete(b.delivery);
    },
    onTimer: (tag: Tag) => {
      if (tag.t !== "redeliver" || !unacked.has(tag.delivery)) return;
      deliver(tag.delivery, unacked.get(tag.delivery)!, true);
      w.timer(BROKER, backoffMs(o.timeoutMs, 2, o.timeoutMs * 16, tag.n + 1), { t: "redeliver", delivery: tag.delivery, n: tag.n + 1 });
    },
  });
  w.add({
    name: SHIPPING,
    onMessage: (m: Message<Body>) => {
      const b = m.body;
      if (b.t !== "deliver") return;
      if (dedup && seenIds.has(b.order)) {
        skipped++;
        w.record({ actor: SHIPPING, kind: "dedup", saga: b.order, text: `event of order ${b.order} already handled: skip` });
      } else {
        if (dedup) seenIds.add(b.order);
        const ev = w.record({ actor: SHIPPING, kind: "commit", saga: b.order, text: `ship order ${b.order}${committed[b.order - 1] === undefined ? " (no such order in the order database)" : ""}` });
        shipped[b.order - 1]!.push(ev.seq);
        if (crashIf(SHIPPING, "consume", b.order)) return;
      }
      w.send(SHIPPING, BROKER, "reply", "ack", { t: "consumed", delivery: b.delivery }, b.order);
    },
  });
  // Customers place orders; an order placed while the order service is down is refused (not stored).
  const place = (n: number) => {
    placed++;
    if (!w.isUp(ORDER)) return;
    if (design === "publish-first") {
      publishFromOrder(n, "before-commit", false);
      return;
    }
    commitOrder(n, outbox);
    if (crashIf(ORDER, "commit", n)) return;
    if (!outbox) publishFromOrder(n, "after-commit", false);
  };
  w.add({ name: "customers", onMessage: () => {}, onTimer: (tag: Tag) => tag.t === "place" && place(tag.order) });
  for (let n = 1; n <= o.orders; n++) w.timer("customers", (n - 1) * o.orderGapMs, { t: "place", order: n });
  if (outbox) schedulePoll();
  w.run(o.untilMs);
  return {
    design,
    orders: o.orders,
    events: w.trace.toArray(),
    committed,
    shipped,
    unsent: Array.from({ length: o.orders }, (_, i) => outboxRows.get(i + 1) === "new"),
    brokered,
    crashes,
    downServices: [ORDER, ...(outbox ? [RELAY] : []), SHIPPING].filter((x) => !w.isUp(x)),
    endMs: w.nowMs,
    stats: { published, deliveries: nextDelivery - 1, skipped },
  };
}

export type OutboxClass = "exactly once" | "lost" | "duplicated" | "ghost" | "stuck";
export const OUTBOX_CLASSES: readonly OutboxClass[] = ["exactly once", "lost", "duplicated", "ghost", "stuck"];

export function outboxFindings(run: OutboxRun): Finding[] {
  const findings: Finding[] = [];
  const crashNote = run.crashes.length ? ` The crash${run.crashes.length > 1 ? "es" : ""}: #${run.crashes.join(", #")}.` : "";
  for (let i = 0; i < run.orders; i++) {
    const n = i + 1;
    const c = run.committed[i];
    const ships = run.shipped[i]!;
    if (c !== undefined && ships.length === 0 && run.brokered[i]) {
      findings.push({
        severity: "error",
        code: "event-undelivered",
        title: `Order ${n}'s event is at the broker but was never consumed`,
        explanation: `Order ${n} was committed at #${c} and its event reached the broker, but shipping had not consumed it at t=${run.endMs} ms (${run.downServices.includes(SHIPPING) ? "shipping is down" : "the broker was still redelivering it"}). Nothing is lost: the broker keeps the event until shipping acknowledges it.${crashNote}`,
        events: [c, ...run.crashes],
      });
    } else if (c !== undefined && ships.length === 0) {
      const unsent = run.unsent[i];
      const orderCrashed = run.crashes.some((seq) => run.events[seq]!.actor === ORDER);
      findings.push({
        severity: "error",
        code: unsent ? "outbox-not-drained" : "lost-event",
        title: unsent ? `Order ${n}'s event is still in the outbox` : `Order ${n} was stored but its event was lost`,
        explanation: unsent
          ? `Order ${n} and its outbox row were committed at #${c}, but the relay never published the row (${run.downServices.includes(RELAY) ? "the relay is down" : "it was still trying"} at t=${run.endMs} ms). Nothing is lost yet: the row will go out once the relay runs.${crashNote}`
          : orderCrashed
            ? `Order ${n} was committed at #${c}, but the event announcing it never reached the broker: the order service kept it only in memory and crashed before the broker acknowledged it. Shipping will never hear of this order. Storing the event in an outbox row, in the same transaction as the order, would have kept it.${crashNote}`
            : `Order ${n} was committed at #${c}, but the event announcing it had not reached the broker when the run stopped at t=${run.endMs} ms: the order service was still trying to publish it, and keeps it only in memory, so a crash now would lose it.${crashNote}`,
        events: [c, ...run.crashes],
      });
    }
    if (c === undefined && ships.length > 0) {
      findings.push({
        severity: "error",
        code: "ghost-event",
        title: `Order ${n} was shipped but never stored`,
        explanation: `The order service published order ${n}'s event first and crashed before committing the order, so shipping acted (#${ships.join(", #")}) on an order the order database does not have.${crashNote}`,
        events: [...ships, ...run.crashes],
      });
    }
    if (ships.length > 1) {
      findings.push({
        severity: "error",
        code: "duplicate-processing",
        title: `Order ${n} was shipped ${ships.length} times`,
        explanation: `The event of order ${n} was delivered more than once (the relay or the broker sent it again after an acknowledgement went missing: at-least-once delivery), and shipping applied every delivery (#${ships.join(", #")}). Recording each event id with its effect, and skipping ids already seen, makes the consumer idempotent.${crashNote}`,
        events: [...ships, ...run.crashes],
      });
    }
  }
  return findings;
}

export function classifyOutbox(findings: readonly Finding[]): OutboxClass {
  const codes = new Set(findings.map((f) => f.code));
  if (codes.has("lost-event")) return "lost";
  if (codes.has("ghost-event")) return "ghost";
  if (codes.has("duplicate-processing")) return "duplicated";
  if (codes.has("outbox-not-drained") || codes.has("event-undelivered")) return "stuck";
  return "exactly once";
}

export type OutboxResult = { readonly mode: "run"; readonly run: OutboxRun } | Explored<OutboxClass, OutboxRun>;

const WORDS: Record<string, string> = {
  "lost-event": "An order was stored but its event never left the service.",
  "ghost-event": "An order was shipped that was never stored.",
  "duplicate-processing": "An order was shipped more than once.",
  "outbox-not-drained": "An outbox row was still unsent when the run ended.",
  "event-undelivered": "An event was at the broker but not yet consumed when the run ended.",
};

function check(result: OutboxResult): Verdict {
  if (result.mode === "explore") return exploreVerdict(result.tallies, ["lost", "duplicated", "ghost", "stuck"], "runs", (c) => WORDS[c] ?? "", SEEDED);
  const run = result.run;
  const findings = outboxFindings(run);
  return verdictFrom(findings, `Every stored order was shipped exactly once (${run.orders} order${run.orders > 1 ? "s" : ""}, ${run.stats.deliveries} deliver${run.stats.deliveries === 1 ? "y" : "ies"}, ${run.stats.skipped} skipped as repeats).`);
}

function diagram(run: OutboxRun, highlight: ReadonlySet<number>, caption: string) {
  const participants = [ORDER, ...(run.design === "outbox" || run.design === "outbox-dedup" ? [RELAY] : []), BROKER, SHIPPING];
  const lost = run.committed.some((c, i) => c !== undefined && run.shipped[i]!.length === 0);
  return worldDiagram(run.events, { participants, caption, highlight, hideLabels: new Set(["ack"]), ending: `end: ${run.committed.map((c, i) => `order ${i + 1} ${c === undefined ? "not stored" : "stored"}, shipped ${run.shipped[i]!.length}×`).join("; ")}`, endingHighlighted: lost });
}

function present(result: OutboxResult, verdict: Verdict): Presentation {
  if (result.mode === "explore") {
    const ex = result.example;
    const d = ex ? diagram(ex.run, new Set(outboxFindings(ex.run).flatMap((f) => f.events ?? [])), `${ex.design}, seed ${ex.at.value}`) : undefined;
    return {
      title: `${result.tallies.map((t) => t.design).join(" vs ")}: ${result.tallies[0]?.runs ?? 0} seeded runs`,
      diagrams: ex && d ? [{ id: "first-problem", title: `${ex.design}: run ${ex.at.index} (seed ${ex.at.value}), the first that went wrong`, mermaid: d.text }] : [],
      charts: [exploreChart(result.tallies, OUTBOX_CLASSES, "Only the outbox with a deduplicating consumer keeps every run at exactly once.")],
      tables: [exploreTable(result.tallies, OUTBOX_CLASSES)],
      metrics: exploreMetrics(result.tallies, OUTBOX_CLASSES),
    };
  }
  const run = result.run;
  const d = diagram(run, new Set(verdict.findings.flatMap((f) => f.events ?? [])), `design: ${run.design}`);
  const table: TableSpec = {
    id: "orders",
    title: "Orders at the end",
    columns: ["order", "stored", "outbox row", "shipped"],
    rows: run.committed.map((c, i) => [i + 1, c !== undefined, run.design.startsWith("outbox") ? (c === undefined ? "none" : run.unsent[i] ? "unsent" : "sent") : "no outbox", run.shipped[i]!.length]),
  };
  return {
    title: `${run.design}: ${verdict.valid === true ? "every order shipped exactly once" : [...new Set(verdict.findings.map((f) => f.code))].join(", ")}`,
    diagrams: [{ id: "sequence", title: "The run, message by message", mermaid: d.text, ...(d.omitted ? { omittedEvents: d.omitted } : {}) }],
    charts: [],
    tables: [table],
    metrics: {
      stored: run.committed.filter((c) => c !== undefined).length,
      shipments: run.shipped.reduce((n, x) => n + x.length, 0),
      lost: verdict.findings.filter((f) => f.code === "lost-event").length,
      ghosts: verdict.findings.filter((f) => f.code === "ghost-event").length,
      duplicates: verdict.findings.filter((f) => f.code === "duplicate-processing").length,
      unsent: run.unsent.filter(Boolean).length,
      published: run.stats.published,
      deliveries: run.stats.deliveries,
      skipped: run.stats.skipped,
      crashes: run.crashes.length,
      endMs: run.endMs,
    },
  };
}

export function simulateOutbox(o: Options, rng: Rng, progress: (f: number) => void): OutboxResult {
  if (o.explore === 0) return { mode: "run", run: simulateOnce(o, rng) };
  const designs = o.compare.length ? [...new Set(o.compare)].map((d) => ({ name: d as string, options: { ...o, design: d }, keys: { design: d } })) : [{ name: o.design as string, options: o }];
  return exploreDesigns(OUTBOX_CLASSES, designs, seedCases(o.explore, rng), (opts, seed) => simulateOnce(opts, createRng(seed)), (run) => {
    const f = outboxFindings(run);
    return { outcome: classifyOutbox(f), codes: f.map((x) => x.code) };
  }, (t) => [t.first.lost, t.first.ghost, t.first.duplicated, t.first.stuck].filter((x) => x !== undefined).sort((a, b) => a.index - b.index)[0], progress);
}

export const outbox = defineSimulator<Options, Options, OutboxResult>({
  id: "outbox",
  title: "Dual write and the transactional outbox",
  description: "Store an order and publish its event: lose it with a dual write, announce ghosts by publishing first, or use an outbox and a relay with a deduplicating consumer.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "dual write, crash in between", description: "The order is stored, the event is lost.", body: "design: dual-write\norders: 1\nfaults:\n  - service: order\n    after: commit\n" },
    { name: "outbox, relay crash", description: "The relay publishes, crashes before marking the row, and publishes again.", body: "design: outbox\norders: 1\nfaults:\n  - service: relay\n    after: publish\n" },
    { name: "compare designs", description: "1,000 seeds with random crashes.", body: "explore: 1000\ncompare: [dual-write, publish-first, outbox, outbox-dedup]\nrandom:\n  crash: 0.1\n" },
  ],
  run: (options, ctx) => simulateOutbox(options, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict),
});
