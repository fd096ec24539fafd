// The sandbox page: a Slack channel drawn from the sandbox's state, kept fresh by long polling.
// Everything a person does goes to /sandbox/api/…, where the server sends the bot what Slack would.

import { renderBlocks } from "./blocks.js";
import { confirmDialog, renderModal } from "./modal.js";
import { h, renderMrkdwn } from "./mrkdwn.js";
import { api, keepScroll, showOffline, ui } from "./shared.js";
import { renderActivity, renderSidebar } from "./sidebar.js";

// --- polling ------------------------------------------------------------------------------------

async function poll() {
  let after = -1;
  for (;;) {
    try {
      const response = await fetch(`/sandbox/api/state?after=${after}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const state = await response.json();
      after = state.version;
      ui.state = state;
      render();
      showOffline(false);
    } catch {
      showOffline(true);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// --- drawing ------------------------------------------------------------------------------------

/** Draw a part again only when what it shows has changed (menus stay open, clicks land). */
function redraw(part, inputs, draw) {
  const key = JSON.stringify(inputs);
  if (ui.drawn[part] === key) return;
  ui.drawn[part] = key;
  draw();
}

/** Conversations with messages newer than the last time you had them open (the open one is read). */
function unreadConversations(state) {
  const newest = {};
  for (const m of state.messages) newest[m.channel] = Math.max(newest[m.channel] || 0, Number(m.ts));
  if (ui.readUpTo === null) ui.readUpTo = { ...newest };
  ui.readUpTo[ui.conversation] = newest[ui.conversation] || 0;
  return state.conversations.map((c) => c.id).filter((id) => (newest[id] || 0) > (ui.readUpTo[id] || 0));
}

function render() {
  const state = ui.state;
  const here = (m) => m.channel === ui.conversation;
  const unread = unreadConversations(state);
  redraw("sidebar", [ui.conversation, unread, state.conversations, state.customers, state.bugpilot, state.slack], () =>
    renderSidebar(state, render, unread),
  );
  redraw("channel", [ui.conversation, state.messages.filter(here), state.notices.filter(here)], () =>
    renderChannel(state),
  );
  redraw("thread", [ui.thread, state.messages.filter((m) => m.thread_ts === ui.thread), state.notices], () =>
    renderThread(state),
  );
  renderModal(state, ctxFor);
  redraw("activity", state.activity.slice(-60), () => renderActivity(state));
  document.body.dataset.version = String(state.version);
}

function ctxFor(state, container) {
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

function messageNode(state, message, { inThread = false } = {}) {
  const user = userOf(state, message);
  const isBot = Boolean(message.bot_id) || user.is_bot;
  const external = user.team_id && user.team_id !== state.team.id;
  const revisions = ui.seenRevisions.get(message.ts);
  const updated = revisions !== undefined && revisions < message.revision;
  ui.seenRevisions.set(message.ts, message.revision);
  const context = ctxFor(state, { channel: message.channel, ts: message.ts });
  const content = message.blocks && message.blocks.length
    ? renderBlocks(message.blocks, context)
    : h("div", { class: "text" }, renderMrkdwn(message.text || "", context));
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
      dataset: { ts: message.ts, user: message.user },
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
      h("div", { class: "content" }, content),
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
    message.ephemeral ? null : messageMenu(state, message),
  );
  return node;
}

function messageMenu(state, message) {
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

function closeMenus() {
  for (const menu of document.querySelectorAll(".hover-actions .menu")) menu.hidden = true;
}

function noticeNode(notice) {
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

function renderChannel(state) {
  const conversation = state.conversations.find((c) => c.id === ui.conversation) || state.conversations[0];
  ui.conversation = conversation.id;
  const title = conversation.is_im ? "Bugpilot" : `# ${conversation.name}`;
  document.getElementById("channel-title").textContent = title;
  document.getElementById("channel-topic").textContent = conversation.topic || "Direct messages with the app";
  const list = document.getElementById("messages");
  const toBottom = ui.scrollToEnd.channel;
  ui.scrollToEnd.channel = false;
  keepScroll(list, () => {
    list.replaceChildren();
    const items = [];
    for (const message of state.messages) {
      if (message.channel !== conversation.id) continue;
      if (message.thread_ts && message.thread_ts !== message.ts) continue;
      items.push({ ts: message.ts, node: () => messageNode(state, message) });
    }
    for (const notice of state.notices) {
      if (notice.channel === conversation.id && !notice.thread_ts) items.push({ ts: "~", node: () => noticeNode(notice) });
    }
    for (const item of items) list.append(item.node());
  }, { toBottom });
  const composer = document.getElementById("composer-input");
  composer.disabled = conversation.id !== "C_SUPPORT";
  composer.placeholder = composer.disabled
    ? "The sandbox only lets you write in #support"
    : "Message #support — try /bugpilot screenshot alice@acme.com";
}

function openThread(ts) {
  ui.thread = ts;
  render();
  document.getElementById("thread-input").focus();
}

function renderThread(state) {
  const pane = document.getElementById("thread");
  const root = ui.thread && state.messages.find((m) => m.ts === ui.thread);
  // Opening or closing the pane reflows the channel: keep it at its end if it was there.
  keepScroll(document.getElementById("messages"), () => {
    document.body.classList.toggle("thread-open", Boolean(root));
    pane.hidden = !root;
  });
  if (!root) return;
  const list = document.getElementById("thread-messages");
  const toBottom = ui.scrollToEnd.thread;
  ui.scrollToEnd.thread = false;
  keepScroll(list, () => {
    list.replaceChildren(messageNode(state, root, { inThread: true }));
    const replies = state.messages.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);
    const count = replies.filter((m) => !m.ephemeral).length;
    list.append(h("div", { class: "thread-count", text: `${count} ${count === 1 ? "reply" : "replies"}` }));
    for (const reply of replies) list.append(messageNode(state, reply, { inThread: true }));
    for (const notice of state.notices.filter((n) => n.thread_ts === root.ts)) list.append(noticeNode(notice));
  }, { toBottom });
}

// --- composer and controls ----------------------------------------------------------------------

async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  updateHint();
  ui.scrollToEnd[threadTs ? "thread" : "channel"] = true;
  if (text.startsWith("/")) await api("command", { text, thread_ts: threadTs });
  else await api("message", { text, thread_ts: threadTs });
}

function wireComposer(id, threadTs) {
  const form = document.getElementById(`${id}-form`);
  const input = document.getElementById(`${id}-input`);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input, threadTs());
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send(input, threadTs());
    }
  });
}

function updateHint() {
  const input = document.getElementById("composer-input");
  const hint = document.getElementById("composer-hint");
  const text = input.value;
  const commands = (ui.state?.commands || []).filter((c) => text.startsWith("/") && c.command.startsWith(text.split(" ")[0]));
  hint.hidden = commands.length === 0;
  hint.replaceChildren(...commands.map((c) => h("div", {}, h("strong", { text: c.command }), " ", h("code", { text: c.usage_hint }), h("div", { class: "hint-note", text: c.description }))));
}

function wireControls() {
  wireComposer("composer", () => null);
  wireComposer("thread", () => ui.thread);
  document.getElementById("composer-input").addEventListener("input", updateHint);
  document.getElementById("thread-close").addEventListener("click", () => {
    ui.thread = null;
    render();
  });
  document.getElementById("failure").addEventListener("change", (event) =>
    api("bugpilot", { failure: event.target.value || null }),
  );
  document.getElementById("latency").addEventListener("change", (event) =>
    api("bugpilot", { latency: Number(event.target.value) }),
  );
  document.getElementById("bot-can-post").addEventListener("change", (event) =>
    api("slack", { bot_can_post: event.target.checked }),
  );
  document.getElementById("duplicate-events").addEventListener("change", (event) =>
    api("slack", { duplicate_events: event.target.checked }),
  );
  document.getElementById("add-customer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("new-customer");
    if (input.value.trim()) api("customers", { id: input.value.trim(), online: true });
    input.value = "";
  });
  document.getElementById("reset").addEventListener("click", () => {
    ui.thread = null;
    api("reset");
  });
  document.addEventListener("click", closeMenus);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.state?.views.length) api("view/close", { view_id: ui.state.views.at(-1).id });
  });
}

wireControls();
poll();
