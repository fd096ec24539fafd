// The sandbox page: a Slack channel drawn from the sandbox's state, kept fresh by long polling.
// Everything a person does goes to /sandbox/api/…, where the server sends the bot what Slack would.

import { closeMenus, ctxFor, messageNode, noticeNode } from "./messages.js";
import { renderModal } from "./modal.js";
import { h } from "./mrkdwn.js";
import { api, keepScroll, showOffline, ui } from "./shared.js";
import { renderActivity, renderSidebar } from "./sidebar.js";
import { renderSurfaces, wireSurfaces } from "./surfaces.js";

// --- polling ------------------------------------------------------------------------------------

async function poll() {
  let after = -1;
  for (;;) {
    let state;
    try {
      const response = await fetch(`/sandbox/api/state?after=${after}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state = await response.json();
    } catch {
      showOffline(true);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    showOffline(false);
    if (ui.loadedAt === null) ui.loadedAt = state.now;
    after = state.version;
    ui.state = state;
    try {
      render();
    } catch (error) {
      reportError(error); // a drawing bug is a page error, not "the server is not answering"
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
  renderSurfaces(state, ctxFor);
  renderModal(state, ctxFor);
  redraw("activity", state.activity.slice(-60), () => renderActivity(state));
  document.body.dataset.version = String(state.version);
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
      if (message.channel !== conversation.id || !shown(message)) continue;
      if (message.thread_ts && message.thread_ts !== message.ts) continue;
      items.push({ ts: message.ts, node: () => messageNode(state, message, { openThread }) });
    }
    for (const notice of state.notices) {
      if (notice.channel === conversation.id && !notice.thread_ts) items.push({ ts: "~", node: () => noticeNode(notice) });
    }
    for (const item of items) list.append(item.node());
  }, { toBottom });
  const composer = document.getElementById("composer-input");
  composer.disabled = conversation.id !== state.support;
  composer.placeholder = composer.disabled
    ? "The sandbox only lets you write in #support"
    : "Message #support — try /bugpilot screenshot alice@acme.com";
}

/** Ephemeral messages live only in the page that received them: gone after a reload, as in Slack. */
function shown(message) {
  return !message.ephemeral || Number(message.ts) >= ui.loadedAt;
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
    list.replaceChildren(messageNode(state, root, { inThread: true, openThread }));
    const replies = state.messages.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);
    const count = replies.filter((m) => !m.ephemeral).length;
    list.append(h("div", { class: "thread-count", text: `${count} ${count === 1 ? "reply" : "replies"}` }));
    for (const reply of replies.filter(shown)) list.append(messageNode(state, reply, { inThread: true, openThread }));
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
  document.getElementById("session-failure").addEventListener("change", (event) =>
    api("bugpilot", { session_failure: event.target.value || null }),
  );
  document.getElementById("never-saves").addEventListener("change", (event) =>
    api("bugpilot", { never_saves: event.target.checked }),
  );
  document.getElementById("bot-can-post").addEventListener("change", (event) =>
    api("slack", { bot_can_post: event.target.checked }),
  );
  document.getElementById("duplicate-events").addEventListener("change", (event) =>
    api("slack", { duplicate_events: event.target.checked }),
  );
  document.getElementById("support-shared").addEventListener("change", (event) =>
    api("slack", { support_shared: event.target.checked }),
  );
  document.getElementById("guest-email-visible").addEventListener("change", (event) =>
    api("slack", { guest_email_visible: event.target.checked }),
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
wireSurfaces(ctxFor, render);
poll();
