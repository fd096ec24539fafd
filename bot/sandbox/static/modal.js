// Modals drawn from the view JSON the bot sent with views.open, and Block Kit confirm dialogs.

import { renderBlocks } from "./blocks.js";
import { missingInputs, readValues, restoreValues } from "./inputs.js";
import { h, renderPlain } from "./mrkdwn.js";
import { api, ui } from "./shared.js";

/** The top view of the stack, drawn again only when the bot changed it; errors and problems kept fresh. */
export function renderModal(state, ctxFor) {
  const root = document.getElementById("modal-root");
  const view = state.views[state.views.length - 1];
  if (!view) {
    root.replaceChildren();
    ui.shownView = "";
    ui.entered.clear();
    ui.missing = {};
    return;
  }
  const key = `${view.id}:${view.hash}`;
  if (ui.shownView !== key) {
    // What you typed survives the bot's views.update (and a view pushed over it), as in Slack.
    const shown = root.querySelector(".modal");
    if (shown) ui.entered.set(shown.view.id, readValues(shown.body, shown.view));
    if (!shown || shown.view.id !== view.id) ui.missing = {};
    ui.shownView = key;
    root.replaceChildren(modalNode(state, view, ctxFor));
  }
  const dialog = root.querySelector(".modal");
  const errors = { ...ui.missing, ...state.view_errors };
  for (const block of dialog.querySelectorAll(".block.input")) {
    const message = errors[block.dataset.blockId] || "";
    block.classList.toggle("has-error", Boolean(message));
    const slot = block.querySelector(".input-error");
    slot.textContent = message;
    if (message) slot.setAttribute("role", "alert");
  }
  const problem = dialog.querySelector(".modal-problem");
  problem.textContent = state.view_problem;
  problem.hidden = !state.view_problem;
}

function modalNode(state, view, ctxFor) {
  const context = ctxFor(state, { view_id: view.id });
  const body = h("div", { class: "modal-body" });
  context.onAction = (blockId, element, extra) =>
    api("action", { view_id: view.id, block_id: blockId, action_id: element.action_id, values: readValues(body, view), ...extra });
  context.errors = state.view_errors;
  body.append(renderBlocks(view.blocks, context));
  restoreValues(body, view, ui.entered.get(view.id) || {});
  const close = () => api("view/close", { view_id: view.id });
  const submit = async (event) => {
    event.preventDefault();
    const values = readValues(body, view);
    // Slack's client refuses to send a form with required inputs empty; the errors stay until the next try.
    ui.missing = missingInputs(view, values);
    for (const block of body.querySelectorAll(".block.input")) {
      const message = ui.missing[block.dataset.blockId] || "";
      if (message) {
        block.classList.add("has-error");
        block.querySelector(".input-error").textContent = message;
      }
    }
    if (Object.keys(ui.missing).length) return;
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
      h("button", { type: "button", class: "button", onclick: close }, renderPlain(view.close || { text: "Cancel" })),
      view.submit ? h("button", { type: "submit", class: "button primary" }, renderPlain(view.submit)) : null,
    ),
  );
  form.view = view;
  form.body = body;
  return h("div", { class: "overlay" }, form);
}

/** A button's `confirm` object as a dialog; resolves true when confirmed. */
export function confirmDialog(confirm) {
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
