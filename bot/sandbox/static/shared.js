// What the page's parts share: the page state, the sandbox's JSON API, scroll keeping.

export const ui = {
  state: null,
  conversation: "", // the first conversation (#support) until you pick another
  thread: null,
  shownView: "",
  // What was entered in each open view, by view ID, kept across the bot's updates of it.
  entered: new Map(),
  // Required inputs the last submit found empty (Slack's client-side check), by block_id.
  missing: {},
  // Set when you send something: the next drawing of that pane scrolls to its end, as Slack does.
  scrollToEnd: { channel: false, thread: false },
  seenRevisions: new Map(),
  // Per conversation, the newest message you have had open (null until the first state arrives).
  readUpTo: null,
  drawn: {},
  // Wire-panel lines opened to show their request, kept open across redraws.
  openWire: new Set(),
  // Ephemeral messages are gone after a reload, as in Slack: those older than this page aren't shown.
  loadedAt: null,
};

/** POST to the sandbox's JSON API; never throws (an unreachable server shows the offline line). */
export async function api(path, body) {
  try {
    const response = await fetch(`/sandbox/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    return response.ok ? await response.json() : { result: "error", status: response.status };
  } catch {
    showOffline(true);
    return { result: "error", status: 0 };
  }
}

/** The "server is not answering" line; the next answered poll hides it. */
export function showOffline(offline) {
  document.getElementById("offline").hidden = !offline;
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
