// Block Kit, drawn from the JSON the bot sent: sections, context, actions, dividers, headers,
// images (as their alt text: the sandbox loads nothing from outside), rich text, and in modals
// the input blocks. Interactive elements call ctx.onAction(blockId, element, extra).

import { emojify, h, renderMrkdwn, renderPlain, renderText } from "./mrkdwn.js";

/** Every block of a message or view, in order. */
export function renderBlocks(blocks, ctx) {
  const root = h("div", { class: "blocks" });
  for (const block of blocks || []) root.append(renderBlock(block, ctx));
  return root;
}

function renderBlock(block, ctx) {
  const dataset = { blockId: block.block_id || "", type: block.type };
  switch (block.type) {
    case "section":
      return section(block, ctx, dataset);
    case "context":
      return h(
        "div",
        { class: "block context", dataset },
        (block.elements || []).map((element) =>
          element.type === "image" ? imageStub(element) : h("span", { class: "context-item" }, renderText(element, ctx)),
        ),
      );
    case "actions":
      return h(
        "div",
        { class: "block actions", dataset },
        (block.elements || []).map((element) => renderElement(element, block.block_id, ctx)),
      );
    case "divider":
      return h("hr", { class: "block divider", dataset });
    case "header":
      return h("div", { class: "block header", dataset }, renderPlain(block.text));
    case "image":
      return h("div", { class: "block image", dataset }, block.title ? renderPlain(block.title) : null, imageStub(block));
    case "rich_text":
      return h("div", { class: "block rich-text", dataset }, (block.elements || []).map((el) => richElement(el, ctx)));
    case "input":
      return inputBlock(block, ctx, dataset);
    case "markdown":
      return h("div", { class: "block section", dataset }, renderMrkdwn(String(block.text || ""), ctx));
    default:
      return h("div", { class: "block unsupported", dataset, text: `[${block.type} block: not drawn by the sandbox]` });
  }
}

function section(block, ctx, dataset) {
  const main = h("div", { class: "section-main" });
  if (block.text) main.append(h("div", { class: "section-text" }, renderText(block.text, ctx)));
  if (block.fields && block.fields.length) {
    main.append(h("div", { class: "fields" }, block.fields.map((field) => h("div", { class: "field" }, renderText(field, ctx)))));
  }
  const accessory = block.accessory ? h("div", { class: "accessory" }, renderElement(block.accessory, block.block_id, ctx)) : null;
  return h("div", { class: "block section", dataset }, main, accessory);
}

function imageStub(element) {
  const alt = element.alt_text || "image";
  return h("span", { class: "image-stub", title: element.image_url || "", text: `🖼 ${alt}` });
}

/** A button, select or overflow menu in a message, a section accessory or an actions block. */
export function renderElement(element, blockId, ctx) {
  switch (element.type) {
    case "button":
      return button(element, blockId, ctx);
    case "static_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      return select(element, ctx, (picked) => ctx.onAction(blockId, element, picked));
    case "overflow":
      return overflow(element, blockId, ctx);
    case "image":
      return imageStub(element);
    default:
      return h("span", { class: "unsupported", text: `[${element.type}]` });
  }
}

function button(element, blockId, ctx) {
  const style = element.style ? ` ${element.style}` : "";
  const props = { class: `button${style}`, dataset: { actionId: element.action_id || "" } };
  const label = renderPlain(element.text);
  const node = element.url
    ? h("a", { ...props, href: element.url, role: "button" }, label)
    : h("button", { ...props, type: "button" }, label);
  node.addEventListener("click", async () => {
    if (element.confirm && !(await ctx.confirm(element.confirm))) return;
    node.classList.add("busy");
    if (node.tagName === "BUTTON") node.disabled = true;
    try {
      await ctx.onAction(blockId, element, {});
    } finally {
      node.classList.remove("busy");
      if (node.tagName === "BUTTON") node.disabled = false;
    }
  });
  return node;
}

function overflow(element, blockId, ctx) {
  const menu = h("div", { class: "menu", hidden: true });
  const toggle = h("button", { class: "button overflow", type: "button", "aria-label": "More options", text: "⋯" });
  toggle.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
  });
  for (const option of element.options || []) {
    menu.append(
      h(
        "button",
        {
          type: "button",
          class: "menu-item",
          onclick: () => {
            menu.hidden = true;
            ctx.onAction(blockId, element, { selected_option: option });
          },
        },
        renderPlain(option.text),
      ),
    );
  }
  return h("span", { class: "overflow-wrap" }, toggle, menu);
}

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

function initialValues(element) {
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

function select(element, ctx, onPick) {
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
  if (onPick) node.addEventListener("change", () => onPick(selectionPayload(element, node.pick())));
  return node;
}

/** What Slack carries for a selection, by element type. */
function selectionPayload(element, chosen) {
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

// --- modals -----------------------------------------------------------------------------------

const TEXT_INPUTS = { plain_text_input: "text", email_text_input: "email", url_text_input: "url", number_input: "number" };

function inputBlock(block, ctx, dataset) {
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
    return group;
  }
  if (element.type === "datepicker") {
    const node = h("input", { id, class: "text-input", type: "date" });
    node.value = element.initial_date ?? "";
    node.readValue = () => ({ type: element.type, selected_date: node.value || null });
    return node;
  }
  if (element.type && (element.type.endsWith("_select") || element.type === "static_select")) {
    const node = select(element, ctx, block.dispatch_action ? () => dispatch() : null);
    node.id = id;
    node.readValue = () => ({ type: element.type, ...selectionPayload(element, node.pick()) });
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

// --- rich text ---------------------------------------------------------------------------------

function richElement(element, ctx) {
  switch (element.type) {
    case "rich_text_section":
      return h("div", { class: "rt-section" }, (element.elements || []).map((item) => richInline(item, ctx)));
    case "rich_text_quote":
      return h("blockquote", { class: "md-quote" }, (element.elements || []).map((item) => richInline(item, ctx)));
    case "rich_text_preformatted":
      return h("pre", { class: "md-pre" }, (element.elements || []).map((item) => richInline(item, ctx)));
    case "rich_text_list":
      return h(
        element.style === "ordered" ? "ol" : "ul",
        { class: "rt-list" },
        (element.elements || []).map((item) => h("li", {}, richElement(item, ctx))),
      );
    default:
      return h("span", { class: "unsupported", text: `[${element.type}]` });
  }
}

function richInline(item, ctx) {
  let node;
  if (item.type === "link") node = h("a", { class: "md-link", href: item.url, text: item.text || item.url });
  else if (item.type === "user") node = h("span", { class: "mention", text: `@${ctx.users?.[item.user_id]?.name || item.user_id}` });
  else if (item.type === "channel") node = h("span", { class: "mention channel-ref", text: `#${item.channel_id}` });
  else if (item.type === "broadcast") node = h("span", { class: "mention broadcast", text: `@${item.range}` });
  else if (item.type === "emoji") node = document.createTextNode(item.unicode ? String.fromCodePoint(...item.unicode.split("-").map((cp) => parseInt(cp, 16))) : emojify(`:${item.name}:`));
  else node = document.createTextNode(String(item.text ?? ""));
  const style = item.style || {};
  for (const [flag, tag] of [["code", "code"], ["strike", "s"], ["italic", "em"], ["bold", "strong"]]) {
    if (style[flag]) node = h(tag, { class: tag === "code" ? "md-code" : null }, node);
  }
  return node;
}
