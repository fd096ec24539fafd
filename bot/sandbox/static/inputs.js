// The input blocks of a modal, their values as Slack's state.values, and the required ones left empty.

import { h, renderPlain, renderText } from "./mrkdwn.js";
import { initialValues, pickedValues, select, selectionPayload } from "./selects.js";

const TEXT_INPUTS = { plain_text_input: "text", email_text_input: "email", url_text_input: "url", number_input: "number" };

/** An input block of a modal: label, control, hint and the slot for its error. */
export function inputBlock(block, ctx, dataset) {
  const element = block.element || {};
  const id = `input-${block.block_id}`;
  const control = inputControl(element, id, block, ctx);
  const error = ctx.errors && ctx.errors[block.block_id];
  return h(
    "div",
    { class: `block input${error ? " has-error" : ""}`, dataset },
    h("label", { class: "input-label", for: id }, renderPlain(block.label), block.optional ? h("span", { class: "optional", text: " (optional)" }) : null),
    control,
    block.hint ? h("div", { class: "hint" }, renderPlain(block.hint)) : null,
    h("div", { class: "input-error", role: error ? "alert" : null, text: error || "" }),
  );
}

function inputControl(element, id, block, ctx) {
  const dispatch = () => ctx.onAction(block.block_id, element, {});
  if (TEXT_INPUTS[element.type]) {
    const multiline = element.type === "plain_text_input" && element.multiline;
    const node = multiline
      ? h("textarea", { id, class: "text-input", rows: 4 })
      : h("input", { id, class: "text-input", type: TEXT_INPUTS[element.type] === "number" ? "number" : "text" });
    node.value = element.initial_value ?? "";
    if (element.placeholder) node.placeholder = element.placeholder.text;
    if (element.max_length) node.maxLength = element.max_length;
    node.readValue = () => ({ type: element.type, value: node.value === "" ? null : node.value });
    node.writeValue = (kept) => {
      node.value = kept.value ?? "";
    };
    if (block.dispatch_action) {
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !multiline) dispatch();
      });
    }
    return node;
  }
  if (element.type === "radio_buttons" || element.type === "checkboxes") {
    const kind = element.type === "radio_buttons" ? "radio" : "checkbox";
    const initial = new Set(initialValues(element));
    const boxes = [];
    const group = h("div", { id, class: `choices ${kind}`, role: kind === "radio" ? "radiogroup" : "group" });
    (element.options || []).forEach((option) => {
      const box = h("input", { type: kind, name: id, checked: initial.has(option.value) });
      if (block.dispatch_action) box.addEventListener("change", dispatch);
      boxes.push([box, option]);
      group.append(
        h(
          "label",
          { class: "choice" },
          box,
          h("span", {}, renderText(option.text, ctx), option.description ? h("small", { class: "choice-note" }, renderText(option.description, ctx)) : null),
        ),
      );
    });
    group.readValue = () => {
      const chosen = boxes.filter(([box]) => box.checked).map(([, option]) => option);
      return kind === "radio"
        ? { type: element.type, selected_option: chosen[0] ?? null }
        : { type: element.type, selected_options: chosen };
    };
    group.writeValue = (kept) => {
      const wanted = new Set(pickedValues(kept));
      for (const [box, option] of boxes) box.checked = wanted.has(option.value);
    };
    return group;
  }
  if (element.type === "datepicker") {
    const node = h("input", { id, class: "text-input", type: "date" });
    node.value = element.initial_date ?? "";
    node.readValue = () => ({ type: element.type, selected_date: node.value || null });
    node.writeValue = (kept) => {
      node.value = kept.selected_date ?? "";
    };
    return node;
  }
  if (element.type && (element.type.endsWith("_select") || element.type === "static_select")) {
    const node = select(element, ctx, block.dispatch_action ? () => dispatch() : null);
    node.id = id;
    node.readValue = () => ({ type: element.type, ...selectionPayload(element, node.pick()) });
    node.writeValue = (kept) => node.choose(pickedValues(kept));
    return node;
  }
  return h("div", { class: "unsupported", text: `[${element.type} input: not drawn by the sandbox]` });
}

/** The view's state.values, read from the drawn inputs: {block_id: {action_id: value}}. */
export function readValues(viewNode, view) {
  const values = {};
  for (const block of view.blocks || []) {
    if (block.type !== "input" || !block.element) continue;
    const control = viewNode.querySelector(`[id="input-${CSS.escape(block.block_id)}"]`);
    if (!control || !control.readValue) continue;
    values[block.block_id] = { [block.element.action_id]: control.readValue() };
  }
  return values;
}

/** Put back what was entered in inputs that kept their block_id, action_id and type, as Slack does on views.update. */
export function restoreValues(viewNode, view, values) {
  for (const block of view.blocks || []) {
    if (block.type !== "input" || !block.element) continue;
    const kept = values[block.block_id]?.[block.element.action_id];
    const control = viewNode.querySelector(`[id="input-${CSS.escape(block.block_id)}"]`);
    if (kept && kept.type === block.element.type && control && control.writeValue) control.writeValue(kept);
  }
}

/** Required inputs left empty, as Slack's client refuses to submit them: {block_id: message}. */
export function missingInputs(view, values) {
  const missing = {};
  for (const block of view.blocks || []) {
    if (block.type !== "input" || block.optional || !block.element) continue;
    const value = values[block.block_id]?.[block.element.action_id] || {};
    const empty =
      value.value === null ||
      value.selected_option === null ||
      value.selected_user === null ||
      value.selected_date === null ||
      (Array.isArray(value.selected_options) && value.selected_options.length === 0);
    if (empty) missing[block.block_id] = "Please complete this required field.";
  }
  return missing;
}
