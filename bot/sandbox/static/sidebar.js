// The sidebar: conversations, the simulated customers and switches, and the wire log.

import { h } from "./mrkdwn.js";
import { api, keepScroll, ui } from "./shared.js";

/** Conversations (bold with a dot when unread) and switches; `onSwitch` redraws after moving to another. */
export function renderSidebar(state, onSwitch, unread = []) {
  const channels = document.getElementById("conversations");
  channels.replaceChildren(
    ...state.conversations.map((c) => {
      const isUnread = unread.includes(c.id);
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: `conversation${c.id === ui.conversation ? " active" : ""}${isUnread ? " unread" : ""}`,
            "aria-label": `${c.is_im ? "Bugpilot" : `#${c.name}`}${isUnread ? ", new messages" : ""}`,
            onclick: () => {
              ui.conversation = c.id;
              ui.thread = null;
              onSwitch();
            },
          },
          c.is_im ? "🐞 Bugpilot" : `# ${c.name}`,
          isUnread ? h("span", { class: "unread-dot", "aria-hidden": "true" }) : null,
        ),
      );
    }),
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
            input.dispatchEvent(new Event("input"));
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
  const sessionFailure = document.getElementById("session-failure");
  if (!sessionFailure.options.length) {
    sessionFailure.append(h("option", { value: "", text: "Normal: the report once the browser saved it" }));
    for (const item of state.bugpilot.session_failures) {
      sessionFailure.append(h("option", { value: item.code, text: item.label }));
    }
  }
  sessionFailure.value = state.bugpilot.session_failure || "";
  document.getElementById("never-saves").checked = state.bugpilot.never_saves;
  document.getElementById("latency").value = String(state.bugpilot.latency);
  document.getElementById("bot-can-post").checked = state.slack.bot_can_post;
  document.getElementById("duplicate-events").checked = state.slack.duplicate_events;
  document.getElementById("support-shared").checked = state.slack.support_shared;
  document.getElementById("guest-email-visible").checked = state.slack.guest_email_visible;
}

/** The last lines of what went over the wire: when, who to whom, what; a click shows the whole request. */
export function renderActivity(state) {
  const log = document.getElementById("activity");
  keepScroll(log, () => {
    log.replaceChildren(
      ...state.activity.slice(-60).map((line) => {
        const key = `${line.at}|${line.text}`;
        const time = new Date(line.at * 1000);
        const stamp = h("time", {
          class: "at",
          datetime: time.toISOString(),
          text: time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
        });
        const summary = [stamp, " ", h("span", { class: "route", text: line.route }), " ", h("span", { text: line.text })];
        if (!line.body) return h("li", { class: line.ok ? "" : "failed" }, ...summary);
        const details = h(
          "details",
          {
            open: ui.openWire.has(key),
            ontoggle: (event) => (event.target.open ? ui.openWire.add(key) : ui.openWire.delete(key)),
          },
          h("summary", { title: "Show the whole request and Slack's answer" }, ...summary),
          h("pre", { class: "wire-body", text: line.body }),
        );
        return h("li", { class: line.ok ? "" : "failed" }, details);
      }),
    );
  });
}
