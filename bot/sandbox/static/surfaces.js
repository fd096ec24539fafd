// The app's other surfaces, as Slack shows them: its Home tab, global shortcuts (⚡ and the sidebar),
// Workflow Builder runs of its custom step, and unfurl cards under posted links.

import { renderBlocks } from "./blocks.js";
import { h, renderPlain } from "./mrkdwn.js";
import { api, ui } from "./shared.js";

ui.home = false;
const drawn = {};

function once(part, inputs, draw) {
  const key = JSON.stringify(inputs);
  if (drawn[part] === key) return;
  drawn[part] = key;
  draw();
}

/** Everything of this module that the state changes: sidebar entries, the Home tab, the Workflows panel. */
export function renderSurfaces(state, ctxFor) {
  once("apps", [ui.home, state.home.enabled], () => renderApps(state));
  once("shortcuts", [state.global_shortcuts], () => renderShortcutLists(state));
  once("home", [ui.home, state.home], () => renderHome(state, ctxFor));
  once("workflows", [state.steps, state.customers.map((c) => c.id)], () => renderWorkflowForm(state));
  once("runs", [state.runs], () => renderRuns(state));
}

// --- the app in the sidebar and its Home tab ------------------------------------------------------

function renderApps(state) {
  const apps = document.getElementById("apps");
  apps.replaceChildren(
    h(
      "li",
      {},
      h("button", {
        type: "button",
        class: `conversation${ui.home ? " active" : ""}`,
        "aria-label": "Bugpilot app",
        text: "🐞 Bugpilot",
        onclick: () => openHome(state),
      }),
    ),
  );
}

function openHome(state) {
  ui.home = true;
  ui.thread = null;
  document.body.classList.remove("thread-open");
  document.getElementById("thread").hidden = true;
  renderSurfaces(state, ui.ctxFor);
  // Slack tells the app each time someone opens its Home tab.
  if (state.home.enabled) api("home/open");
}

function closeHome() {
  ui.home = false;
  if (ui.state) renderSurfaces(ui.state, ui.ctxFor);
}

function renderHome(state, ctxFor) {
  const pane = document.getElementById("app-home");
  document.querySelector("main.channel").hidden = ui.home;
  document.body.classList.toggle("home-open", ui.home);
  pane.hidden = !ui.home;
  if (!ui.home) return;
  const body = document.getElementById("app-home-body");
  const view = state.home.view;
  if (!state.home.enabled) {
    body.replaceChildren(h("p", { class: "home-empty", text: "This app has no Home tab (its manifest leaves app_home.home_tab_enabled off)." }));
    return;
  }
  if (!view) {
    body.replaceChildren(h("p", { class: "home-empty", text: "Nothing here yet: the app hasn't published a Home view for you." }));
    return;
  }
  const context = ctxFor(state, {});
  context.onAction = (blockId, element, extra) =>
    api("home/action", { block_id: blockId, action_id: element.action_id, ...extra });
  body.replaceChildren(renderBlocks(view.blocks, context));
}

function wireHome() {
  document.getElementById("home-messages-tab").addEventListener("click", () => {
    const dm = ui.state?.conversations.find((c) => c.is_im);
    if (dm) ui.conversation = dm.id;
    closeHome();
    ui.render();
  });
  // Choosing a conversation in the sidebar leaves the app's Home.
  document.getElementById("conversations").addEventListener("click", closeHome, { capture: true });
}

// --- global shortcuts ------------------------------------------------------------------------------

function shortcutItem(shortcut, after) {
  return h(
    "button",
    {
      type: "button",
      class: "menu-item",
      role: "menuitem",
      onclick: async () => {
        after();
        await api("shortcut/global", { callback_id: shortcut.callback_id });
      },
    },
    h("strong", { text: shortcut.name }),
    h("small", { text: " Bugpilot" }),
  );
}

function renderShortcutLists(state) {
  const menu = document.getElementById("shortcuts-menu");
  const close = () => (menu.hidden = true);
  menu.replaceChildren(
    h("div", { class: "menu-title", text: "Shortcuts" }),
    ...(state.global_shortcuts.length
      ? state.global_shortcuts.map((shortcut) => shortcutItem(shortcut, close))
      : [h("div", { class: "menu-note", text: "No app in this workspace has a global shortcut." })]),
  );
  const list = document.getElementById("global-shortcuts");
  list.replaceChildren(...state.global_shortcuts.map((shortcut) => h("li", {}, shortcutItem(shortcut, () => {}))));
  document.getElementById("shortcuts-panel").hidden = !state.global_shortcuts.length;
}

function wireShortcuts() {
  const menu = document.getElementById("shortcuts-menu");
  document.getElementById("shortcuts-button").addEventListener("click", (event) => {
    event.stopPropagation();
    menu.hidden = !menu.hidden;
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) menu.hidden = true;
  });
}

// --- Workflow Builder runs -------------------------------------------------------------------------

const SUGGESTIONS = { action: ["screenshot", "session", "record"] };

function renderWorkflowForm(state) {
  const panel = document.getElementById("workflows-panel");
  const form = document.getElementById("workflow-form");
  const step = state.steps[0];
  panel.hidden = !step;
  if (!step) return;
  const fields = step.inputs.map((input) => {
    const id = `workflow-${input.name}`;
    const options = input.name === "customer" ? state.customers.map((c) => c.id) : SUGGESTIONS[input.name] || [];
    return h(
      "div",
      { class: "workflow-field" },
      h("label", { class: "field-label", for: id, text: `${input.title}${input.required ? "" : " (optional)"}` }),
      h("input", { id, name: input.name, list: `${id}-list`, required: input.required, autocomplete: "off" }),
      h("datalist", { id: `${id}-list` }, ...options.map((value) => h("option", { value }))),
    );
  });
  form.replaceChildren(
    h("div", { class: "workflow-title" }, "Step ", h("strong", { text: step.title })),
    ...fields,
    h("button", { type: "submit", class: "button small primary", text: "Run" }),
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    const inputs = Object.fromEntries(step.inputs.map((input) => [input.name, form.elements[input.name].value]));
    api("workflow/run", { callback_id: step.callback_id, inputs });
  };
}

const STATES = { running: "Running…", completed: "Completed", failed: "Failed" };

function renderRuns(state) {
  const list = document.getElementById("workflow-runs");
  list.replaceChildren(
    ...[...state.runs].reverse().map((run) =>
      h(
        "li",
        { class: `run ${run.state}`, dataset: { run: run.id } },
        h("div", { class: "run-head" }, h("span", { class: "run-state", text: STATES[run.state] || run.state }), " ", h("code", { text: run.id })),
        h("div", { class: "run-inputs", text: Object.values(run.inputs).join(" · ") }),
        run.delivery && run.state === "running" ? h("div", { class: "run-note", text: `function_executed → ${run.delivery}` }) : null,
        run.outputs ? outputList(run.outputs) : null,
        run.error ? h("div", { class: "run-error", text: run.error }) : null,
      ),
    ),
  );
}

function outputList(outputs) {
  return h(
    "dl",
    { class: "run-outputs" },
    ...Object.entries(outputs).flatMap(([name, value]) => [
      h("dt", { text: name }),
      h("dd", { dataset: { output: name } }, /^https?:\/\//.test(String(value)) ? h("a", { href: value, target: "_blank", rel: "noopener", text: value }) : String(value)),
    ]),
  );
}

// --- unfurls ---------------------------------------------------------------------------------------

/** The cards the app attached under a message's links (chat.unfurl), drawn as Slack draws them. */
export function unfurlNodes(message, context) {
  const cards = Object.entries(message.unfurls || {});
  if (!cards.length) return null;
  return h(
    "div",
    { class: "unfurls" },
    ...cards.map(([url, card]) =>
      h(
        "div",
        { class: "unfurl", dataset: { url } },
        card.blocks && card.blocks.length ? renderBlocks(card.blocks, context) : renderPlain({ type: "plain_text", text: card.text || "" }),
      ),
    ),
  );
}

export function wireSurfaces(ctxFor, render) {
  ui.ctxFor = ctxFor;
  ui.render = render;
  wireHome();
  wireShortcuts();
}
