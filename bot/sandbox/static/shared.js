// What the page's parts share: the page state, the sandbox's JSON API, scroll keeping.

export const ui = {
  state: null,
  conversation: "C_SUPPORT",
  thread: null,
  shownView: "",
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

/** Redraw `container` keeping the reader's place (or the bottom, when they were at it). */
export function keepScroll(container, draw) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  const top = container.scrollTop;
  draw();
  container.scrollTop = atBottom ? container.scrollHeight : top;
}
