// What the page's parts share: the page state, the sandbox's JSON API, scroll keeping.

export const ui = {
  state: null,
  conversation: "C_SUPPORT",
  thread: null,
  shownView: "",
  // Set when you send something: the next drawing of that pane scrolls to its end, as Slack does.
  scrollToEnd: { channel: false, thread: false },
  seenRevisions: new Map(),
  drawn: {},
};

export async function api(path, body) {
  const response = await fetch(`/sandbox/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  return response.ok ? response.json() : { result: "error", status: response.status };
}

/** Whether `container` is scrolled to (near) its end. */
function atBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight < 40;
}

/** Redraw `container` keeping the reader's place (or the bottom, when they were at it or `toBottom`). */
export function keepScroll(container, draw, { toBottom = false } = {}) {
  const stick = toBottom || atBottom(container);
  const top = container.scrollTop;
  draw();
  container.scrollTop = stick ? container.scrollHeight : top;
}
