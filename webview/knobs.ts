// Knobs above a result: each option the simulator marks as a knob, as a control (a choice, a number
// in its range, a switch). Turning one asks the extension to rewrite the cell and run it again; a
// knob that differs from the lesson says what the lesson has, and "Reset to the lesson" puts the
// cell back. Where no extension listens (exported pages), the controls show the run's values only.
import type { Knob, RunOutput } from "../src/protocol/output";
import { button, el } from "./dom";

export interface KnobActions {
  setKnob?(key: string, value: string | number | boolean): void;
  resetLesson?(): void;
}

/**
 * In an exported page that carries the cell's knob combinations, choices and switches work (the page
 * shows the matching combination) and numbers keep the cell's value.
 */
export interface KnobPlace {
  readonly inPage?: boolean;
}

function choice(doc: Document, k: Knob, set: (v: string) => void): HTMLElement {
  const select = doc.createElement("vscode-single-select") as HTMLElement & { value: string };
  for (const c of k.choices ?? []) {
    const option = doc.createElement("vscode-option");
    option.setAttribute("value", c);
    option.textContent = c;
    if (c === k.value) option.setAttribute("selected", "");
    select.append(option);
  }
  select.value = String(k.value);
  select.addEventListener("change", () => set(select.value));
  return select;
}

function number(doc: Document, k: Knob, set: (v: number) => void): HTMLElement {
  const field = doc.createElement("vscode-textfield") as HTMLElement & { value: string };
  field.setAttribute("type", "number");
  if (k.min !== undefined) field.setAttribute("min", String(k.min));
  if (k.max !== undefined) field.setAttribute("max", String(k.max));
  if (k.integer) field.setAttribute("step", "1");
  field.value = String(k.value);
  field.addEventListener("change", () => {
    const v = Number(field.value);
    const fits = Number.isFinite(v) && (!k.integer || Number.isInteger(v)) && (k.min === undefined || v >= k.min) && (k.max === undefined || v <= k.max);
    if (fits && v !== k.value) set(v);
    else field.value = String(k.value);
  });
  return field;
}

function toggle(doc: Document, k: Knob, set: (v: boolean) => void): HTMLElement {
  const box = doc.createElement("vscode-checkbox") as HTMLElement & { checked: boolean };
  box.checked = k.value === true;
  if (k.value === true) box.setAttribute("checked", "");
  box.addEventListener("change", () => set(box.checked));
  return box;
}

function knobControl(doc: Document, k: Knob, actions: KnobActions | undefined, place: KnobPlace): HTMLElement {
  const set = (v: string | number | boolean) => actions?.setKnob?.(k.key, v);
  const control = k.kind === "choice" ? choice(doc, k, set) : k.kind === "number" ? number(doc, k, set) : toggle(doc, k, set);
  control.className = "dsnb-knob-control";
  control.setAttribute("aria-label", `${k.key}${k.unit ? ` (${k.unit})` : ""}: ${k.doc}`);
  control.title = k.doc;
  const works = place.inPage ? k.kind !== "number" : actions?.setKnob !== undefined;
  if (!works) control.setAttribute("disabled", "");
  return control;
}

/** The knob bar of an output, or nothing when the simulator declares no knobs. */
export function knobBar(doc: Document, out: RunOutput, actions: KnobActions | undefined, place: KnobPlace = {}): HTMLElement | undefined {
  if (!out.knobs?.length) return undefined;
  const bar = el(doc, "div", "dsnb-knobs");
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Knobs: change an option and the cell runs again");
  for (const k of out.knobs) {
    const item = el(doc, "label", `dsnb-knob${k.lessonValue !== undefined ? " dsnb-knob-changed" : ""}`);
    item.dataset.key = k.key;
    item.append(el(doc, "span", "dsnb-knob-name", `${k.key}${k.unit ? ` (${k.unit})` : ""}`), knobControl(doc, k, actions, place));
    if (k.lessonValue !== undefined) item.append(el(doc, "span", "dsnb-knob-lesson", `lesson: ${String(k.lessonValue)}`));
    bar.append(item);
  }
  if (out.changedFromLesson && actions?.resetLesson)
    bar.append(button(doc, "dsnb-reset-lesson", "Reset to the lesson", "Put this cell back as the lesson has it, and run it", () => actions.resetLesson!()));
  if (place.inPage) {
    if (out.knobs.some((k) => k.kind === "number"))
      bar.append(
        el(doc, "span", "dsnb-knob-hint", "This page holds every choice; numbers keep the lesson's value (open the notebook in VS Code to turn them)."),
      );
  } else if (!actions?.setKnob) bar.append(el(doc, "span", "dsnb-knob-hint", "Open the notebook in VS Code to turn these."));
  return bar;
}
