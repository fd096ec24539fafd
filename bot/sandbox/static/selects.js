// Select menus (static, people, conversations), as in messages and modals, and what Slack carries for a pick.

import { emojify, h } from "./mrkdwn.js";

/** Options of a select: static ones, or the workspace's people or conversations. */
function optionsOf(element, ctx) {
  if (element.type === "users_select" || element.type === "multi_users_select") {
    return Object.values(ctx.users || {}).map((user) => ({ text: { type: "plain_text", text: user.real_name }, value: user.id }));
  }
  if (element.type.includes("conversations") || element.type.includes("channels")) {
    return (ctx.conversations || [])
      .filter((c) => !c.is_im)
      .map((c) => ({ text: { type: "plain_text", text: `#${c.name}` }, value: c.id }));
  }
  const groups = element.option_groups || [];
  return groups.length ? groups.flatMap((group) => group.options || []) : element.options || [];
}

export function initialValues(element) {
  if (element.initial_option) return [element.initial_option.value];
  if (element.initial_options) return element.initial_options.map((option) => option.value);
  for (const key of ["initial_user", "initial_conversation", "initial_channel"]) {
    if (element[key]) return [element[key]];
  }
  for (const key of ["initial_users", "initial_conversations", "initial_channels"]) {
    if (element[key]) return element[key];
  }
  return [];
}

/** A <select> for a select element; `onPick` gets what Slack carries for the selection. */
export function select(element, ctx, onPick) {
  const multi = element.type.startsWith("multi_");
  const options = optionsOf(element, ctx);
  const initial = new Set(initialValues(element));
  const node = h("select", { class: "select", multiple: multi, dataset: { actionId: element.action_id || "" } });
  if (!multi) {
    const placeholder = element.placeholder ? element.placeholder.text : "Select an item";
    node.append(h("option", { value: "", text: placeholder, disabled: true, selected: initial.size === 0 }));
  }
  options.forEach((option, index) => {
    const item = h("option", { value: String(index), selected: initial.has(option.value) });
    item.textContent = emojify(String(option.text?.text ?? option.value));
    node.append(item);
  });
  node.pick = () => {
    const chosen = [...node.selectedOptions].filter((o) => o.value !== "").map((o) => options[Number(o.value)]);
    return chosen;
  };
  node.choose = (values) => {
    const wanted = new Set(values);
    for (const item of node.options) {
      if (item.value !== "") item.selected = wanted.has(options[Number(item.value)].value);
    }
  };
  if (onPick) node.addEventListener("change", () => onPick(selectionPayload(element, node.pick())));
  return node;
}

/** What Slack carries for a selection, by element type. */
export function selectionPayload(element, chosen) {
  const multi = element.type.startsWith("multi_");
  if (element.type.includes("users")) {
    return multi ? { selected_users: chosen.map((o) => o.value) } : { selected_user: chosen[0]?.value ?? null };
  }
  if (element.type.includes("conversations")) {
    return multi
      ? { selected_conversations: chosen.map((o) => o.value) }
      : { selected_conversation: chosen[0]?.value ?? null };
  }
  if (element.type.includes("channels")) {
    return multi ? { selected_channels: chosen.map((o) => o.value) } : { selected_channel: chosen[0]?.value ?? null };
  }
  return multi ? { selected_options: chosen } : { selected_option: chosen[0] ?? null };
}

/** The values picked in a selection as Slack carries it (options, people, conversations or channels). */
export function pickedValues(selection) {
  const options = [selection.selected_option, ...(selection.selected_options || [])].filter(Boolean);
  const ids = [
    selection.selected_user,
    selection.selected_conversation,
    selection.selected_channel,
    ...(selection.selected_users || []),
    ...(selection.selected_conversations || []),
    ...(selection.selected_channels || []),
  ].filter(Boolean);
  return [...options.map((option) => option.value), ...ids];
}
