// Block Kit, drawn from the JSON the bot sent: sections, context, actions, dividers, headers,
// images (as their alt text: the sandbox loads nothing from outside), rich text, and in modals
// the input blocks. Interactive elements call ctx.onAction(blockId, element, extra).

import { inputBlock } from "./inputs.js";
import { emojify, h, renderMrkdwn, renderPlain, renderText } from "./mrkdwn.js";
import { select } from "./selects.js";

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
