// The rate-limit simulator's nginx variant against the nginx tier's reference: the reference restates
// ngx_http_limit_req_module.c and is itself held to a real nginx (test/nginx/limit-req.test.ts, which
// also compares the model with nginx directly). Here, without a server, the model must decide every
// request of every stored schedule, and of random ones, exactly as the reference does.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { nginxLimitReq } from "../../../src/sims/rate-limit/model/nginx";
import { RATE_LIMIT_SCENARIOS, referenceLimitReq } from "../../support/rate-limit-scenarios";

test("the model decides every stored nginx schedule as the scenario expects", () => {
  for (const s of RATE_LIMIT_SCENARIOS) assert.deepEqual(nginxLimitReq(s.arrivalsMs, s.options), s.expected, s.name);
});

test("property: on any schedule and settings, the model decides as the reference restating nginx's module", () => {
  const schedule = fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 40 }).map((gaps) => {
    let t = 0;
    return gaps.map((g) => (t += g % 7 === 0 ? 0 : g)); // some requests in the same millisecond
  });
  const settings = fc.record({
    ratePerSecond: fc.integer({ min: 1, max: 50 }),
    burst: fc.integer({ min: 0, max: 10 }),
    nodelay: fc.boolean(),
    delay: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(schedule, settings, (arrivals, o) => {
      const options =
        o.delay === undefined || o.nodelay
          ? { ratePerSecond: o.ratePerSecond, burst: o.burst, nodelay: o.nodelay }
          : { ...o, delay: Math.min(o.delay, o.burst) };
      const model = nginxLimitReq(arrivals, options);
      const reference = referenceLimitReq(arrivals, options).map((r) => r.decision);
      assert.deepEqual(model, reference);
    }),
    { numRuns: 500 },
  );
});
