// Kafka: partitions and keys, replication with the ISR and the high watermark, producer delivery
// settings, consumer groups with their assignors and commit strategies; one run drawn message by
// message, or the same records under several settings.
import { createRng } from "../../core/rng";
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type KafkaResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const kafka = defineSimulator<Options, Resolved, KafkaResult>({
  id: "kafka",
  title: "Kafka",
  description:
    "A log with partitions: keys and ordering, replication and the ISR, acks and idempotence, consumer groups, rebalancing, commits and transactions.",
  schema,
  examples,
  resolve,
  run: ({ run, compare }, ctx) => {
    if (!compare) return { mode: "run", run: simulate(run, ctx.rng, true) };
    return { mode: "compare", runs: compare.map((c) => ({ name: c.name, run: simulate(c.options, createRng(ctx.seed), true) })) };
  },
  check,
  present: (result, verdict) => present(result, verdict),
});
