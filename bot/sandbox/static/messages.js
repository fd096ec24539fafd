// Messages as Slack draws them: author, time, Block Kit or mrkdwn, the ⋯ menu with shortcuts, replies, notices.

import { renderBlocks } from "./blocks.js";
import { confirmDialog } from "./modal.js";
import { h, renderMrkdwn } from "./mrkdwn.js";
import { api, ui } from "./shared.js";
import { unfurlNodes } from "./surfaces.js";

/** What drawing blocks needs: people, conversations, confirm dialogs, and where clicks in `container` go. */
export function ctxFor(state, container) {
  return {
    users: state.users,
    conversations: state.conversations,
    confirm: confirmDialog,
    onAction: (blockId, element, extra) =>
      api("action", { ...container, block_id: blockId, action_id: element.action_id, ...extra }),
  };
}

function userOf(state, message) {
  return state.users[message.user] || { name: message.user, real_name: message.user, profile: {} };
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
}

function timeOf(ts) {
  const date = new Date(Number(ts.split(".")[0]) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// Messages (ts@revision) whose drawing failed and was reported: each is reported once, not at every redraw.
const reported = new Set();

/** Blocks, else mrkdwn text; blocks the page cannot draw are reported once and shown as such (the rest draws). */
function drawContent(message, context) {
  try {
    return message.blocks && message.blocks.length
      ? renderBlocks(message.blocks, context)
      : h("div", { class: "text" }, renderMrkdwn(message.text || "", context));
  } catch (error) {
    const key = `${message.ts}@${message.revision}`;
    if (!reported.has(key)) {
      reported.add(key);
      reportError(error);
    }
    return h("div", { class: "unsupported", text: `[the sandbox could not draw this message: ${error}]` });
  }
}

/** A message as Slack draws it; `openThread(ts)` opens a thread pane. */
export function messageNode(state, message, { inThread = false, openThread } = {}) {
  const user = userOf(state, message);
  const isBot = Boolean(message.bot_id) || user.is_bot;
  const external = user.team_id && user.team_id !== state.team.id;
  const revisions = ui.seenRevisions.get(message.ts);
  const updated = revisions !== undefined && revisions < message.revision;
  ui.seenRevisions.set(message.ts, message.revision);
  const context = ctxFor(state, { channel: message.channel, ts: message.ts });
  const content = drawContent(message, context);
  const replies = !inThread && message.reply_count
    ? h("button", {
        class: "replies",
        type: "button",
        text: `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`,
        onclick: () => openThread(message.ts),
      })
    : null;
  const node = h(
    "div",
    {
      class: `message${message.ephemeral ? " ephemeral" : ""}${isBot ? " bot" : ""}${updated ? " updated" : ""}`,
      id: `msg-${message.ts.replace(".", "")}`,
      dataset: { ts: message.ts, user: message.user, avatar: (state.avatars || {})[message.user] || "" },
    },
    h("div", { class: `avatar${isBot ? " bot" : ""}`, "aria-hidden": "true", text: isBot ? "🐞" : initials(user.real_name || user.name) }),
    h(
      "div",
      { class: "message-body" },
      h(
        "div",
        { class: "meta" },
        h("span", { class: "author", text: isBot ? "Bugpilot" : user.real_name || user.name }),
        isBot ? h("span", { class: "badge", text: "APP" }) : null,
        external ? h("span", { class: "badge external", text: "external" }) : null,
        h("span", { class: "time", text: timeOf(message.ts) }),
      ),
      h("div", { class: "content" }, content, unfurlNodes(message, context)),
      message.ephemeral
        ? h(
            "div",
            { class: "only-you" },
            "👁 Only visible to you · ",
            h("button", { type: "button", class: "link", text: "Dismiss", onclick: () => api("dismiss", { id: message.ts }) }),
          )
        : null,
      replies,
    ),
    message.ephemeral ? null : messageMenu(state, message, openThread),
  );
  return node;
}

function messageMenu(state, message, openThread) {
  const menu = h("div", { class: "menu", role: "menu", hidden: true });
  for (const shortcut of state.shortcuts) {
    menu.append(
      h(
        "button",
        {
          type: "button",
          class: "menu-item",
          role: "menuitem",
          onclick: async () => {
            menu.hidden = true;
            await api("shortcut", { callback_id: shortcut.callback_id, channel: message.channel, ts: message.ts });
          },
        },
        h("strong", { text: shortcut.name }),
        h("small", { text: " Bugpilot" }),
      ),
    );
  }
  if (!message.thread_ts || message.thread_ts === message.ts) {
    menu.append(h("button", { type: "button", class: "menu-item", role: "menuitem", text: "Reply in thread", onclick: () => openThread(message.ts) }));
  }
  const toggle = h("button", {
    type: "button",
    class: "more",
    "aria-label": "More actions",
    title: "More actions",
    text: "⋯",
    onclick: (event) => {
      event.stopPropagation();
      const wasHidden = menu.hidden;
      closeMenus();
      menu.hidden = !wasHidden;
    },
  });
  return h("div", { class: "hover-actions" }, toggle, menu);
}

export function closeMenus() {
  for (const menu of document.querySelectorAll(".hover-actions .menu")) menu.hidden = true;
}

/** A notice from Slack itself (a failed command, an app that did not answer), shown only to you. */
export function noticeNode(notice) {
  return h(
    "div",
    { class: "message ephemeral notice", dataset: { notice: notice.id } },
    h("div", { class: "avatar slackbot", "aria-hidden": "true", text: "🤖" }),
    h(
      "div",
      { class: "message-body" },
      h("div", { class: "meta" }, h("span", { class: "author", text: "Slackbot" })),
      h("div", { class: "content text", text: notice.text }),
      h(
        "div",
        { class: "only-you" },
        "👁 Only visible to you · ",
        h("button", { type: "button", class: "link", text: "Dismiss", onclick: () => api("dismiss", { id: notice.id }) }),
      ),
    ),
  );
}
