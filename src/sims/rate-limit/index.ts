// Rate limiting: the same arrivals through fixed and sliding windows, token and leaky buckets,
// GCRA and nginx's limit_req; see which pass twice the limit across a boundary, which delay
// instead of rejecting, and how keys sharing a limiter fare.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type RateLimitResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const rateLimit = defineSimulator<Options, Resolved, RateLimitResult>({
  id: "rate-limit",
  title: "Rate limiting",
  description: "Requests meet a rate limiter: compare windows, buckets, GCRA and nginx's limit_req on the same traffic.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, ctx.rng),
  check: (result, resolved) => check(result, resolved),
  present: (result, verdict, resolved) => present(result, verdict, resolved),
});
