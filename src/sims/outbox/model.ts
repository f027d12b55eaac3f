// The dual-write problem and the transactional outbox, in the message-passing world. An order
// service must both store an order and publish "order placed" to a broker, from which the shipping
// service consumes it. Writing the database and then publishing loses the event if the service
// crashes in between; publishing first announces orders that never get stored. The outbox stores
// the event with the order in one local transaction, and a relay publishes it later: nothing is
// lost, but a relay crash between publishing and marking the row sent publishes it again, so the
// consumer must deduplicate. Each service is a node of the world; `Shop` holds what they share.
import type { Explored } from "../../core/explore";
import { backoffMs, World, type Message, type Node, type WorldEvent } from "../../core/network";
import type { Rng } from "../../core/rng";
import { BROKER, crashKey, ORDER, RELAY, SHIPPING, type DesignName, type Point, type Setup } from "./scenario";

type Body =
  | { readonly t: "place"; readonly order: number }
  | { readonly t: "publish"; readonly order: number; readonly via: string }
  | { readonly t: "published"; readonly order: number }
  | { readonly t: "deliver"; readonly order: number; readonly delivery: number }
  | { readonly t: "consumed"; readonly delivery: number };
type Tag =
  | { readonly t: "place"; readonly order: number }
  | { readonly t: "poll" }
  | { readonly t: "republish"; readonly order: number; readonly n: number }
  | { readonly t: "redeliver"; readonly delivery: number; readonly n: number };

/** Every actor's state at one moment of a watched run (the run an output draws), for its timeline. */
export interface OutboxState {
  /** The order database: each stored order's commit event. */
  readonly orders: readonly (readonly [order: number, commitSeq: number])[];
  /** The outbox table's rows, and whether the relay is publishing each one (in memory). */
  readonly outbox: readonly { readonly order: number; readonly row: "new" | "sent"; readonly publishing: boolean }[];
  /** Orders whose event the order service is waiting to see acknowledged by the broker (in memory; dual writes). */
  readonly awaiting: readonly (readonly [order: number, phase: "before-commit" | "after-commit"])[];
  /** Deliveries the broker keeps until the consumer acknowledges them. */
  readonly queue: readonly (readonly [delivery: number, order: number])[];
  /** The consumer: how often it shipped each order, and the event ids it recorded (outbox-dedup). */
  readonly shipped: readonly (readonly [order: number, times: number])[];
  readonly seen: readonly number[];
}

/** A watched run's states: before the first event, after each event (sends left out: they change nothing), and at the end. */
export interface OutboxStates {
  readonly before: OutboxState;
  readonly after: ReadonlyMap<number, OutboxState>;
  readonly end: OutboxState;
}

export interface OutboxRun {
  readonly design: DesignName;
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
  /** Present when the run was watched (simulateOnce's `watch`): every actor's state, event by event. */
  readonly watched?: OutboxStates;
}

/** How an exploration classes a run. */
export type OutboxClass = "exactly once" | "lost" | "duplicated" | "ghost" | "stuck";
export const OUTBOX_CLASSES: readonly OutboxClass[] = ["exactly once", "lost", "duplicated", "ghost", "stuck"];

export type OutboxResult = { readonly mode: "run"; readonly run: OutboxRun } | Explored<OutboxClass, OutboxRun>;

export const usesOutbox = (design: DesignName): boolean => design === "outbox" || design === "outbox-dedup";

/** What the services of one run share: the order database and its outbox table, and what the checker reads. */
class Shop {
  readonly world: World<Body, Tag>;
  readonly committed: (number | undefined)[];
  readonly shipped: number[][];
  readonly outboxRows = new Map<number, "new" | "sent">();
  readonly brokered: boolean[];
  readonly crashes: number[] = [];
  /** Scripted crashes still to strike. */
  private readonly scripted: Map<string, number | undefined>;
  /** Orders placed so far (the relay polls while more may come). */
  placed = 0;
  /** The services, for a watched run's snapshots. */
  services?: { readonly order: OrderService; readonly relay: Relay; readonly broker: Broker; readonly shipping: Shipping };

  constructor(
    readonly o: Setup,
    rng: Rng,
  ) {
    this.world = new World<Body, Tag>(rng, o.network);
    this.committed = Array.from({ length: o.orders }, () => undefined);
    this.shipped = Array.from({ length: o.orders }, () => []);
    this.brokered = Array.from({ length: o.orders }, () => false);
    this.scripted = new Map(o.crashes);
  }

  /** Crashes `who` at a crash point if a scripted crash names it, or the seed draws one. */
  crashIf(who: string, point: Point, order: number): boolean {
    const key = crashKey(who, point, order);
    let down: number | undefined;
    if (this.scripted.has(key)) {
      down = this.scripted.get(key);
      this.scripted.delete(key);
    } else if (this.o.random.crash > 0 && this.world.rng.chance(this.o.random.crash)) down = this.o.random.downMs;
    else return false;
    this.world.crash(who, down, `after ${point} of order ${order}`);
    this.crashes.push(this.world.trace.length - 1);
    return true;
  }

  commitOrder(n: number, withOutbox: boolean): void {
    const ev = this.world.record({ actor: ORDER, kind: "commit", saga: n, text: `commit order ${n}${withOutbox ? " + outbox row" : ""}` });
    this.committed[n - 1] = ev.seq;
    if (withOutbox) this.outboxRows.set(n, "new");
    this.world.touch();
  }

  /** Every actor's state now, as plain data. */
  snapshot(): OutboxState {
    const v = this.services!;
    return {
      orders: this.committed.flatMap((seq, i) => (seq === undefined ? [] : [[i + 1, seq] as const])),
      outbox: [...this.outboxRows].map(([order, row]) => ({ order, row, publishing: v.relay.publishing.has(order) })),
      awaiting: [...v.order.awaiting],
      queue: [...v.broker.unacked],
      shipped: this.shipped.flatMap((x, i) => (x.length ? [[i + 1, x.length] as const] : [])),
      seen: [...v.shipping.seen],
    };
  }

  /** The wait before the n-th attempt at sending to the broker, or at redelivering. */
  backoff(n: number): number {
    return backoffMs(this.o.timeoutMs, 2, this.o.timeoutMs * 16, n);
  }

  /** Publish order n's event to the broker on behalf of `via`, and wait for its acknowledgement. */
  publish(via: string, n: number, again: boolean): void {
    this.world.send(via, BROKER, "call", `publish OrderPlaced ${n}${again ? " (again)" : ""}`, { t: "publish", order: n, via }, n, again);
  }

  republish(via: string, tag: { readonly order: number; readonly n: number }): void {
    this.world.record({ actor: via, kind: "retry", saga: tag.order, text: `no ack from the broker: publish order ${tag.order} again` });
    this.publish(via, tag.order, true);
    this.world.timer(via, this.backoff(tag.n + 1), { t: "republish", order: tag.order, n: tag.n + 1 });
  }
}

/** The order service: stores orders and, without an outbox, publishes their events itself. */
class OrderService implements Node<Body, Tag> {
  readonly name = ORDER;
  /** The volatile wait for the broker's acknowledgement (dual write, publish first). */
  awaiting = new Map<number, "before-commit" | "after-commit">();

  constructor(private readonly shop: Shop) {}

  /** A customer places order n; an order placed while the service is down is refused (not stored). */
  place(n: number): void {
    const shop = this.shop;
    shop.placed++;
    if (!shop.world.isUp(ORDER)) return;
    if (shop.o.design === "publish-first") return this.publishEvent(n, "before-commit");
    const outbox = usesOutbox(shop.o.design);
    shop.commitOrder(n, outbox);
    if (shop.crashIf(ORDER, "commit", n)) return;
    if (!outbox) this.publishEvent(n, "after-commit");
  }

  private publishEvent(n: number, phase: "before-commit" | "after-commit"): void {
    this.awaiting.set(n, phase);
    this.shop.publish(ORDER, n, false);
    this.shop.world.timer(ORDER, this.shop.o.timeoutMs, { t: "republish", order: n, n: 2 });
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t !== "published") return;
    const phase = this.awaiting.get(b.order);
    if (!phase) return;
    this.awaiting.delete(b.order);
    this.shop.world.touch();
    if (phase === "before-commit") {
      if (this.shop.crashIf(ORDER, "publish", b.order)) return;
      this.shop.commitOrder(b.order, false);
    }
  }

  onTimer(tag: Tag): void {
    if (tag.t === "republish" && this.awaiting.has(tag.order)) this.shop.republish(ORDER, tag);
  }

  onCrash(): void {
    // What the service meant to publish was only in memory.
    this.awaiting = new Map();
  }
}

/** The relay reads the order service's outbox table and publishes unsent rows. */
class Relay implements Node<Body, Tag> {
  readonly name = RELAY;
  private busy = new Set<number>();
  private polling = false;

  constructor(private readonly shop: Shop) {}

  /** The rows it is publishing (in memory). */
  get publishing(): ReadonlySet<number> {
    return this.busy;
  }

  private poll(): void {
    const w = this.shop.world;
    this.polling = false;
    const todo = [...this.shop.outboxRows].filter(([n, st]) => st === "new" && !this.busy.has(n)).map(([n]) => n);
    for (const n of todo) this.busy.add(n);
    if (todo.length) {
      const rows = `${todo.length} unsent row${todo.length > 1 ? "s" : ""}`;
      w.record({ actor: RELAY, kind: "log", text: `outbox has ${rows}: ${todo.map((n) => `order ${n}`).join(", ")}` });
    }
    for (const n of todo) {
      this.shop.publish(RELAY, n, false);
      w.timer(RELAY, this.shop.o.timeoutMs, { t: "republish", order: n, n: 2 });
    }
    this.schedulePoll();
  }

  /** Poll while rows may come: orders still to be placed, or rows not yet sent. */
  schedulePoll(): void {
    if (this.polling) return;
    const shop = this.shop;
    const more = [...shop.outboxRows.values()].some((st) => st === "new") || shop.placed < shop.o.orders;
    if (!more || !shop.world.isUp(RELAY)) return;
    this.polling = true;
    shop.world.timer(RELAY, shop.o.pollMs, { t: "poll" });
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t !== "published" || !this.busy.has(b.order)) return;
    if (this.shop.crashIf(RELAY, "publish", b.order)) return;
    this.busy.delete(b.order);
    this.shop.outboxRows.set(b.order, "sent");
    this.shop.world.record({ actor: RELAY, kind: "commit", saga: b.order, text: `mark outbox row of order ${b.order} sent` });
  }

  onTimer(tag: Tag): void {
    if (tag.t === "poll") this.poll();
    else if (tag.t === "republish" && this.busy.has(tag.order)) this.shop.republish(RELAY, tag);
  }

  onCrash(): void {
    this.busy = new Set();
    this.polling = false;
  }

  onRecover(): void {
    this.schedulePoll();
  }
}

/** The broker never crashes here: it keeps each message until the consumer acknowledges it. */
class Broker implements Node<Body, Tag> {
  readonly name = BROKER;
  /** Deliveries not yet acknowledged by the consumer, with their order. */
  readonly unacked = new Map<number, number>();
  private nextDelivery = 1;
  published = 0;

  constructor(private readonly shop: Shop) {}

  get deliveries(): number {
    return this.nextDelivery - 1;
  }

  private deliver(delivery: number, n: number, again: boolean): void {
    const label = `OrderPlaced ${n}${again ? " (redelivery)" : ""}`;
    this.shop.world.send(BROKER, SHIPPING, "async", label, { t: "deliver", order: n, delivery }, n, again);
  }

  onMessage(m: Message<Body>): void {
    const b = m.body;
    const w = this.shop.world;
    if (b.t === "publish") {
      this.published++;
      this.shop.brokered[b.order - 1] = true;
      const d = this.nextDelivery++;
      this.unacked.set(d, b.order);
      w.touch();
      w.send(BROKER, b.via, "reply", "stored", { t: "published", order: b.order }, b.order);
      this.deliver(d, b.order, false);
      w.timer(BROKER, this.shop.o.timeoutMs, { t: "redeliver", delivery: d, n: 2 });
    } else if (b.t === "consumed") {
      this.unacked.delete(b.delivery);
      w.touch();
    }
  }

  onTimer(tag: Tag): void {
    if (tag.t !== "redeliver" || !this.unacked.has(tag.delivery)) return;
    this.deliver(tag.delivery, this.unacked.get(tag.delivery)!, true);
    this.shop.world.timer(BROKER, this.shop.backoff(tag.n + 1), { t: "redeliver", delivery: tag.delivery, n: tag.n + 1 });
  }
}

/** The consumer: ships each order it hears of; with outbox-dedup it skips event ids it has seen. */
class Shipping implements Node<Body, Tag> {
  readonly name = SHIPPING;
  /** Event ids recorded with their effect (outbox-dedup). */
  readonly seen = new Set<number>();
  skipped = 0;

  constructor(private readonly shop: Shop) {}

  onMessage(m: Message<Body>): void {
    const b = m.body;
    if (b.t !== "deliver") return;
    const shop = this.shop;
    const dedup = shop.o.design === "outbox-dedup";
    if (dedup && this.seen.has(b.order)) {
      this.skipped++;
      shop.world.record({ actor: SHIPPING, kind: "dedup", saga: b.order, text: `event of order ${b.order} already handled: skip` });
    } else {
      if (dedup) this.seen.add(b.order);
      const unknown = shop.committed[b.order - 1] === undefined ? " (no such order in the order database)" : "";
      const ev = shop.world.record({ actor: SHIPPING, kind: "commit", saga: b.order, text: `ship order ${b.order}${unknown}` });
      shop.shipped[b.order - 1]!.push(ev.seq);
      shop.world.touch();
      if (shop.crashIf(SHIPPING, "consume", b.order)) return;
    }
    shop.world.send(SHIPPING, BROKER, "reply", "ack", { t: "consumed", delivery: b.delivery }, b.order);
  }
}

/**
 * One run: customers place orders every orderGapMs, and the services do the rest. `watch` keeps
 * every actor's state after each event (the run an output draws).
 */
export function simulateOnce(o: Setup, rng: Rng, watch = false): OutboxRun {
  const shop = new Shop(o, rng);
  const w = shop.world;
  const outbox = usesOutbox(o.design);
  const order = new OrderService(shop);
  const relay = new Relay(shop);
  const broker = new Broker(shop);
  const shipping = new Shipping(shop);
  shop.services = { order, relay, broker, shipping };
  let states: { before: OutboxState; after: Map<number, OutboxState> } | undefined;
  if (watch) {
    const after = new Map<number, OutboxState>();
    states = { before: shop.snapshot(), after };
    w.watch = (e) => {
      if (e.kind !== "send") after.set(e.seq, shop.snapshot());
    };
  }
  w.add(order);
  if (outbox) w.add(relay);
  w.add(broker);
  w.add(shipping);
  w.add({ name: "customers", onMessage: () => {}, onTimer: (tag: Tag) => tag.t === "place" && order.place(tag.order) });
  for (let n = 1; n <= o.orders; n++) w.timer("customers", (n - 1) * o.orderGapMs, { t: "place", order: n });
  if (outbox) relay.schedulePoll();
  w.run(o.untilMs);
  w.watch = undefined;
  return {
    design: o.design,
    orders: o.orders,
    events: w.trace.toArray(),
    committed: shop.committed,
    shipped: shop.shipped,
    unsent: Array.from({ length: o.orders }, (_, i) => shop.outboxRows.get(i + 1) === "new"),
    brokered: shop.brokered,
    crashes: shop.crashes,
    downServices: [ORDER, ...(outbox ? [RELAY] : []), SHIPPING].filter((x) => !w.isUp(x)),
    endMs: w.nowMs,
    stats: { published: broker.published, deliveries: broker.deliveries, skipped: shipping.skipped },
    ...(states ? { watched: { ...states, end: shop.snapshot() } } : {}),
  };
}
