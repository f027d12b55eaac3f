// Session guarantees, consistent prefix and bounded staleness on small versioned histories: each
// guarantee broken on its own by the textbook scenario, named in a finding that marks the
// operations involved, while the others still hold.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSessionGuarantees, type Guarantee, type Operation } from "../../../src/core/consistency";

let id = 0;
function write(client: string, key: string, version: number, call: number, ret?: number): Operation {
  return { id: id++, client, key, kind: "write", value: `${key}${version}`, version, call, ...(ret === undefined ? {} : { ret }) };
}
function read(client: string, key: string, version: number, call: number, ret: number, group?: number): Operation {
  return { id: id++, client, key, kind: "read", value: version ? `${key}${version}` : null, version, call, ret, ...(group === undefined ? {} : { group }) };
}

function broken(h: readonly Operation[], options = {}): Guarantee[] {
  const res = checkSessionGuarantees(h, options);
  return (Object.entries(res.held) as [Guarantee, boolean][]).filter(([, ok]) => !ok).map(([g]) => g);
}

test("a history where every client reads the latest acknowledged write keeps every guarantee", () => {
  const h = [
    write("a", "x", 1, 0, 1),
    read("a", "x", 1, 2, 3),
    read("b", "x", 1, 4, 5),
    write("b", "y", 1, 6, 7),
    read("c", "y", 1, 8, 9, 1),
    read("c", "x", 1, 8, 9, 1),
  ];
  const res = checkSessionGuarantees(h, { maxStalenessVersions: 0 });
  assert.equal(res.valid, true);
  assert.deepEqual(res.held, {
    "read-your-writes": true,
    "monotonic-reads": true,
    "monotonic-writes": true,
    "writes-follow-reads": true,
    "consistent-prefix": true,
    "bounded-staleness": true,
  });
  assert.equal(
    res.summary,
    "Every guarantee checked held (read your writes, monotonic reads, monotonic writes, writes follow reads, consistent prefix, bounded staleness).",
  );
});

test("read your writes: a client reads from a replica that has not applied its own write", () => {
  const mine = write("alice", "profile", 2, 0, 5);
  const stale = read("alice", "profile", 1, 6, 7);
  const h = [write("bob", "profile", 1, -10, -5), mine, stale];
  const res = checkSessionGuarantees(h);
  assert.deepEqual(broken(h), ["read-your-writes"]);
  const f = res.findings[0]!;
  assert.equal(f.code, "read-your-writes");
  assert.equal(f.title, "Read your writes broken: alice did not read its own write of profile");
  assert.equal(
    f.explanation,
    'alice\'s read profile → "profile1" (version 1, t=6–7) did not see alice\'s own earlier write profile = "profile2" (version 2, t=0–5): it returned version 1, older than the version 2 the same session had written and been told was done.',
  );
  assert.deepEqual(f.events, [stale.id, mine.id]);
  assert.match(res.summary, /^Broken: read your writes\. Held: monotonic reads, monotonic writes, writes follow reads, consistent prefix\.$/);
});

test("read your writes asks nothing of a write that never returned", () => {
  assert.deepEqual(broken([write("a", "x", 1, 0), read("a", "x", 0, 6, 7)]), []);
});

test("monotonic reads: a second read from a more lagging replica goes back in time", () => {
  const h = [write("w", "x", 1, 0, 1), write("w", "x", 2, 2, 3), read("r", "x", 2, 4, 5), read("r", "x", 1, 6, 7)];
  assert.deepEqual(broken(h), ["monotonic-reads"]);
  const f = checkSessionGuarantees(h).findings[0]!;
  assert.match(f.explanation, /r's read x → "x1" \(version 1, t=6–7\) returned version 1, older than version 2, which r had already read/);
  // another client reading the older version is no violation of monotonic reads
  assert.deepEqual(broken([write("w", "x", 1, 0, 1), write("w", "x", 2, 2, 3), read("r", "x", 2, 4, 5), read("s", "x", 1, 6, 7)]), []);
});

test("monotonic writes: a session's second write ordered before its first (last writer wins with a skewed clock)", () => {
  const first = write("a", "x", 2, 0, 1); // the skewed clock stamps the first write later
  const second = write("a", "x", 1, 2, 3);
  assert.deepEqual(broken([first, second]), ["monotonic-writes"]);
  const f = checkSessionGuarantees([first, second]).findings[0]!;
  assert.equal(f.code, "monotonic-writes");
  assert.deepEqual(f.events, [second.id, first.id]);
});

test("monotonic writes across keys: a state that shows the second write must show the first", () => {
  const h = [write("a", "x", 1, 0, 1), write("a", "y", 1, 2, 3), read("r", "y", 1, 5, 6, 7), read("r", "x", 0, 5, 6, 7)];
  // also a consistent-prefix violation: x was written before y began
  assert.deepEqual(broken(h), ["monotonic-writes", "consistent-prefix"]);
  const f = checkSessionGuarantees(h).findings.find((x) => x.code === "monotonic-writes")!;
  assert.match(
    f.explanation,
    /^The reads of group 7 were answered from one state: r's read y → "y1" \(version 1, t=5–6\) saw a's write y = "y1" \(version 1, t=2–3\), but r's read x → nothing \(version 0, t=5–6\) missed version 1 of x, which a had written before it/,
  );
});

test("writes follow reads: a reply written after reading a question must not be ordered before it", () => {
  const q = write("poons", "question", 1, 0, 1);
  const sawQ = read("cake", "question", 1, 2, 3);
  const a = write("cake", "answer", 1, 4, 5);
  // an observer's one snapshot holds the answer but not the question
  const seeA = read("observer", "answer", 1, 1.5, 6, 1);
  const noQ = read("observer", "question", 0, 1.5, 6, 1);
  const h = [q, sawQ, a, seeA, noQ];
  assert.deepEqual(broken(h), ["writes-follow-reads", "consistent-prefix"]);
  const cp = checkSessionGuarantees(h).findings.find((x) => x.code === "consistent-prefix")!;
  assert.equal(cp.title, "Consistent prefix broken: a state showed a write of answer without an earlier write of question");
  assert.match(
    cp.explanation,
    /that state is not a prefix of the writes: .* missed poons's write question = "question1" \(version 1, t=0–1\), which happened before it \(cake's read question → "question1" \(version 1, t=2–3\) came before cake's write answer = "answer1" \(version 1, t=4–5\) in the same session\)\./,
  );
  assert.deepEqual(
    [...cp.events!].sort((x, y) => x - y),
    [q.id, a.id, seeA.id, noQ.id].sort((x, y) => x - y),
  );
});

test("writes follow reads on one key: a write ordered before the write its session had read", () => {
  const h = [write("a", "x", 2, 0, 1), read("b", "x", 2, 2, 3), write("b", "x", 1, 4, 5)];
  assert.deepEqual(broken(h), ["writes-follow-reads"]);
});

test("consistent prefix: reads answered apart may each be a prefix; only a state read together must be one", () => {
  const h = [write("a", "x", 1, 0, 1), write("b", "y", 1, 2, 3)];
  // from two replicas at different moments: allowed
  assert.deepEqual(broken([...h, read("r", "y", 1, 5, 6), read("r", "x", 0, 7, 8)]), []);
  // from one state: y's write is there but x's, which completed before it began, is not
  assert.deepEqual(broken([...h, read("r", "y", 1, 5, 6, 1), read("r", "x", 0, 5, 6, 1)]), ["consistent-prefix"]);
  // concurrent writes may be seen in either order
  assert.deepEqual(broken([write("a", "x", 1, 0, 3), write("b", "y", 1, 1, 4), read("r", "y", 1, 5, 6, 1), read("r", "x", 0, 5, 6, 1)]), []);
});

test("bounded staleness: by versions and by time, against the writes acknowledged before the read began", () => {
  const h = [write("w", "x", 1, 0, 1), write("w", "x", 2, 10, 11), write("w", "x", 3, 20, 21), write("w", "x", 4, 30, 31), read("r", "x", 1, 40, 41)];
  const res = checkSessionGuarantees(h, { maxStalenessVersions: 2, maxStalenessMs: 50 });
  assert.deepEqual(res.staleness, [{ id: h[4]!.id, versions: 3, ms: 29 }]);
  assert.equal(res.held["bounded-staleness"], false);
  const f = res.findings.find((x) => x.code === "bounded-staleness")!;
  assert.equal(
    f.explanation,
    'r\'s read x → "x1" (version 1, t=40–41) was 3 versions behind: 3 writes of x had been acknowledged before it began, the first, w\'s write x = "x2" (version 2, t=10–11), 29 ms before. The bound is 2 versions or 50 ms.',
  );
  assert.equal(checkSessionGuarantees(h, { maxStalenessVersions: 3 }).held["bounded-staleness"], true);
  assert.equal(checkSessionGuarantees(h, { maxStalenessMs: 20 }).held["bounded-staleness"], false);
  assert.equal(checkSessionGuarantees(h).held["bounded-staleness"], undefined); // no bound, not checked
  // a write acknowledged while the read was running does not count
  assert.deepEqual(checkSessionGuarantees([write("w", "x", 1, 0, 40.5), read("r", "x", 0, 40, 41)]).staleness, [{ id: id - 1, versions: 0, ms: 0 }]);
});

test("only the guarantees asked for are checked, and many violations are counted, not all listed", () => {
  const h = [write("w", "x", 1, 0, 1), write("w", "x", 2, 2, 3)];
  for (let i = 0; i < 6; i++) h.push(read("r", "x", 2, 10 + 4 * i, 11 + 4 * i), read("r", "x", 1, 12 + 4 * i, 13 + 4 * i));
  const res = checkSessionGuarantees(h, { guarantees: ["monotonic-reads"], maxFindings: 2 });
  assert.deepEqual(Object.keys(res.held), ["monotonic-reads"]);
  assert.equal(res.violations["monotonic-reads"], 6);
  assert.deepEqual(
    res.findings.map((f) => f.severity),
    ["error", "error", "info"],
  );
  assert.equal(res.findings[2]!.title, "4 more violations of monotonic reads");
});

test("versions that cannot be right are refused", () => {
  assert.throws(() => checkSessionGuarantees([write("a", "x", 1, 0, 1), write("b", "x", 1, 2, 3)]), /both created version 1 of x/);
  assert.throws(() => checkSessionGuarantees([read("a", "x", 4, 0, 1)]), /returned version 4 of x, which no write/);
  assert.throws(() => checkSessionGuarantees([write("a", "x", 0, 0, 1)]), /versions of writes start at 1/);
});
