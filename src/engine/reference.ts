// The scenario reference for one simulator, generated from its schema (docs/scenarios/<id>.md),
// so the documentation cannot drift from what the validator accepts.
import type { Simulator } from "../sims/types";
import { fieldDoc } from "../scenario/assist";
import type { Schema } from "../scenario/schema";
import { withExpect } from "../scenario/expect";

function fieldsOf(schema: Schema, prefix: string, out: string[]): void {
  if (schema.kind === "array") return fieldsOf(schema.items, `${prefix}[]`, out);
  if (schema.kind !== "object") return;
  for (const [key, field] of Object.entries(schema.fields)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(`### \`${path}\`\n\n${fieldDoc(key, field.schema, field.required).replace(/^\*\*[^*]+\*\*: /, "")}\n`);
    fieldsOf(field.schema, path, out);
  }
}

export function scenarioReference(sim: Pick<Simulator, "id" | "title" | "description" | "schema" | "examples">): string {
  const parts = [
    `<!-- Generated from the ${sim.id} schema by scripts/contributes.ts; do not edit by hand. -->`,
    `# ${sim.title} (\`${sim.id}\`)`,
    sim.description,
    sim.schema.doc,
    "A scenario cell is a fenced block whose info string starts with the simulator id, optionally followed by `id=…` and `seed=…`:",
    "````markdown\n```" + sim.id + " id=example seed=1\n" + (sim.examples[0]?.body.trimEnd() ?? "") + "\n```\n````",
    "## Keys",
  ];
  const fields: string[] = [];
  fieldsOf(withExpect(sim.schema), "", fields);
  parts.push(...fields);
  if (sim.examples.length) {
    parts.push("## Examples");
    for (const ex of sim.examples) parts.push(`### ${ex.name}\n\n${ex.description}\n\n\`\`\`yaml\n${ex.body.trimEnd()}\n\`\`\``);
  }
  return parts.join("\n\n").replace(/\n{3,}/g, "\n\n") + "\n";
}
