// The sandbox page: a Slack channel drawn from the sandbox's state, kept fresh by long polling.
// Everything a person does goes to /sandbox/api/…, where the server sends the bot what Slack would.

import { missingInputs, readValues, renderBlocks } from "./blocks.js";
import { h, renderMrkdwn, renderPlain } from "./mrkdwn.js";

const ui = {
  state: null,
  conversation: "C_SUPPORT",
  thread: null,
  shownView: "",
  seenRevisions: new Map(),
  drawn: {},
};

async function api(path, body) {
  const response = await fetch(`/sandbox/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  return response.ok ? response.json() : { result: "error", status: response.status };
}

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
      setConnection(true);
    } catch {
      setConnection(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function setConnection(ok) {
  document.getElementById("offline").hidden = ok;
}

// --- drawing ------------------------------------------------------------------------------------

/** Draw a part again only when what it shows has changed (menus stay open, clicks land). */
function redraw(part, inputs, draw) {
  const key = JSON.stringify(inputs);
  if (ui.drawn[part] === key) return;
  ui.drawn[part] = key;
  draw();
}

function render() {
  const state = ui.state;
  const here = (m) => m.channel === ui.conversation;
  redraw("sidebar", [ui.conversation, state.conversations, state.customers, state.bugpilot, state.slack], () =>
    renderSidebar(state),
  );
  redraw("channel", [ui.conversation, state.messages.filter(here), state.notices.filter(here)], () =>
    renderChannel(state),
  );
  redraw("thread", [ui.thread, state.messages.filter((m) => m.thread_ts === ui.thread), state.notices], () =>
    renderThread(state),
  );
  renderModal(state);
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

function keepScroll(container, draw) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  const top = container.scrollTop;
  draw();
  container.scrollTop = atBottom ? container.scrollHeight : top;
}

function renderChannel(state) {
  const conversation = state.conversations.find((c) => c.id === ui.conversation) || state.conversations[0];
  ui.conversation = conversation.id;
  const title = conversation.is_im ? "Bugpilot" : `# ${conversation.name}`;
  document.getElementById("channel-title").textContent = title;
  document.getElementById("channel-topic").textContent = conversation.topic || "Direct messages with the app";
  const list = document.getElementById("messages");
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
  });
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
  document.body.classList.toggle("thread-open", Boolean(root));
  pane.hidden = !root;
  if (!root) return;
  const list = document.getElementById("thread-messages");
  keepScroll(list, () => {
    list.replaceChildren(messageNode(state, root, { inThread: true }));
    const replies = state.messages.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);
    const count = replies.filter((m) => !m.ephemeral).length;
    list.append(h("div", { class: "thread-count", text: `${count} ${count === 1 ? "reply" : "replies"}` }));
    for (const reply of replies) list.append(messageNode(state, reply, { inThread: true }));
    for (const notice of state.notices.filter((n) => n.thread_ts === root.ts)) list.append(noticeNode(notice));
  });
}

// --- sidebar: conversations and the sandbox's switches -----------------------------------------

function renderSidebar(state) {
  const channels = document.getElementById("conversations");
  channels.replaceChildren(
    ...state.conversations.map((c) =>
      h(
        "li",
        {},
        h("button", {
          type: "button",
          class: `conversation${c.id === ui.conversation ? " active" : ""}`,
          text: c.is_im ? "🐞 Bugpilot" : `# ${c.name}`,
          onclick: () => {
            ui.conversation = c.id;
            ui.thread = null;
            render();
          },
        }),
      ),
    ),
  );
  const customers = document.getElementById("customers");
  customers.replaceChildren(
    ...state.customers.map((customer) => {
      const toggle = h("input", {
        type: "checkbox",
        role: "switch",
        "aria-label": `${customer.id} online`,
        checked: customer.online,
        onchange: (event) => api("customers", { id: customer.id, online: event.target.checked }),
      });
      return h(
        "li",
        { class: `customer${customer.online ? " online" : ""}`, dataset: { customer: customer.id } },
        h("label", { class: "switch" }, toggle, h("span", { class: "slider", "aria-hidden": "true" })),
        h("span", { class: "customer-id", text: customer.id }),
        h("span", { class: "presence", text: customer.online ? "online" : "offline" }),
        h("button", {
          type: "button",
          class: "link use",
          title: "Put a command for this customer in the composer",
          text: "use",
          onclick: () => {
            const input = document.getElementById("composer-input");
            input.value = `/bugpilot screenshot ${customer.id} `;
            input.focus();
          },
        }),
      );
    }),
  );
  const failure = document.getElementById("failure");
  if (!failure.options.length) {
    failure.append(h("option", { value: "", text: "Normal: by who is online" }));
    for (const item of state.bugpilot.failures) failure.append(h("option", { value: item.code, text: item.label }));
  }
  failure.value = state.bugpilot.failure || "";
  document.getElementById("latency").value = String(state.bugpilot.latency);
  document.getElementById("bot-can-post").checked = state.slack.bot_can_post;
  document.getElementById("duplicate-events").checked = state.slack.duplicate_events;
}

function renderActivity(state) {
  const log = document.getElementById("activity");
  keepScroll(log, () => {
    log.replaceChildren(
      ...state.activity.slice(-60).map((line) =>
        h(
          "li",
          { class: line.ok ? "" : "failed" },
          h("span", { class: "route", text: line.route }),
          " ",
          h("span", { text: line.text }),
        ),
      ),
    );
  });
}

// --- modals -------------------------------------------------------------------------------------

function renderModal(state) {
  const root = document.getElementById("modal-root");
  const view = state.views[state.views.length - 1];
  if (!view) {
    root.replaceChildren();
    ui.shownView = "";
    return;
  }
  const key = `${view.id}:${view.hash}`;
  if (ui.shownView !== key) {
    ui.shownView = key;
    root.replaceChildren(modalNode(state, view));
  }
  const dialog = root.querySelector(".modal");
  for (const block of dialog.querySelectorAll(".block.input")) {
    const message = state.view_errors[block.dataset.blockId] || "";
    block.classList.toggle("has-error", Boolean(message));
    const slot = block.querySelector(".input-error");
    slot.textContent = message;
    if (message) slot.setAttribute("role", "alert");
  }
  const problem = dialog.querySelector(".modal-problem");
  problem.textContent = state.view_problem;
  problem.hidden = !state.view_problem;
}

function modalNode(state, view) {
  const context = ctxFor(state, { view_id: view.id });
  const body = h("div", { class: "modal-body" });
  context.onAction = (blockId, element, extra) =>
    api("action", { view_id: view.id, block_id: blockId, action_id: element.action_id, values: readValues(body, view), ...extra });
  context.errors = state.view_errors;
  body.append(renderBlocks(view.blocks, context));
  const close = () => api("view/close", { view_id: view.id });
  const submit = async (event) => {
    event.preventDefault();
    const values = readValues(body, view);
    const missing = missingInputs(view, values);
    for (const block of body.querySelectorAll(".block.input")) {
      const message = missing[block.dataset.blockId] || "";
      if (message) {
        block.classList.add("has-error");
        block.querySelector(".input-error").textContent = message;
      }
    }
    if (Object.keys(missing).length) return;
    const button = event.submitter || form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      await api("view/submit", { view_id: view.id, values });
    } finally {
      if (button) button.disabled = false;
    }
  };
  const form = h(
    "form",
    { class: "modal", role: "dialog", "aria-modal": "true", "aria-label": view.title.text, onsubmit: submit },
    h(
      "header",
      { class: "modal-header" },
      h("h2", {}, renderPlain(view.title)),
      h("button", { type: "button", class: "close", "aria-label": "Close", text: "✕", onclick: close }),
    ),
    body,
    h("div", { class: "modal-problem", role: "alert", hidden: true }),
    h(
      "footer",
      { class: "modal-footer" },
      h("button", { type: "button", class: "button" , onclick: close }, renderPlain(view.close || { text: "Cancel" })),
      view.submit ? h("button", { type: "submit", class: "button primary" }, renderPlain(view.submit)) : null,
    ),
  );
  return h("div", { class: "overlay" }, form);
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const root = document.getElementById("confirm-root");
    const done = (answer) => {
      root.replaceChildren();
      resolve(answer);
    };
    root.replaceChildren(
      h(
        "div",
        { class: "overlay" },
        h(
          "div",
          { class: "modal confirm", role: "alertdialog", "aria-modal": "true" },
          h("header", { class: "modal-header" }, h("h2", {}, renderPlain(confirm.title || { text: "Are you sure?" }))),
          h("div", { class: "modal-body" }, renderPlain(confirm.text)),
          h(
            "footer",
            { class: "modal-footer" },
            h("button", { type: "button", class: "button", onclick: () => done(false) }, renderPlain(confirm.deny || { text: "Cancel" })),
            h("button", { type: "button", class: `button ${confirm.style || "primary"}`, onclick: () => done(true) }, renderPlain(confirm.confirm || { text: "Yes" })),
          ),
        ),
      ),
    );
  });
}

// --- composer and controls ----------------------------------------------------------------------

async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  updateHint();
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
