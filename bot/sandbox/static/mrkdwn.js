// Slack's mrkdwn and plain_text, drawn with DOM nodes and textContent only: nothing is ever
// parsed as HTML, so no text from the bot, a customer or Bugpilot can become markup.

const EMOJI = {
  "+1": "👍", alarm_clock: "⏰", arrow_right: "➡️", arrows_counterclockwise: "🔄", bell: "🔔", boom: "💥",
  bug: "🐛", bust_in_silhouette: "👤", busts_in_silhouette: "👥", calendar: "📅", camera: "📷",
  camera_with_flash: "📸", clipboard: "📋", cloud: "☁️", computer: "💻", double_vertical_bar: "⏸️",
  email: "📧", envelope: "✉️", exclamation: "❗", eyes: "👀", film_frames: "🎞️", fire: "🔥", gear: "⚙️",
  globe_with_meridians: "🌐", grey_question: "❔", hammer_and_wrench: "🛠️", heavy_check_mark: "✔️",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", inbox_tray: "📥", information_source: "ℹ️", key: "🔑",
  large_green_circle: "🟢", large_yellow_circle: "🟡", link: "🔗", lock: "🔒", mag: "🔍", memo: "📝",
  movie_camera: "🎥", no_entry: "⛔", no_entry_sign: "🚫", octagonal_sign: "🛑", outbox_tray: "📤",
  page_facing_up: "📄", pray: "🙏", pushpin: "📌", question: "❓", red_circle: "🔴", repeat: "🔁",
  robot_face: "🤖", rocket: "🚀", rotating_light: "🚨", satellite: "📡", shield: "🛡️", sparkles: "✨",
  speech_balloon: "💬", stop_button: "⏹️", stopwatch: "⏱️", tada: "🎉", thinking_face: "🤔",
  thumbsup: "👍", timer_clock: "⏲️", video_camera: "📹", warning: "⚠️", wave: "👋",
  white_check_mark: "✅", wrench: "🔧", x: "❌", zzz: "💤",
};

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };

/** The three escapes Slack uses, turned back into the characters they stand for. */
export function decodeEntities(text) {
  return text.replace(/&(lt|gt|amp);/g, (entity) => ENTITIES[entity]);
}

/** :shortcode: → the emoji, when known; otherwise left as typed. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

/** A DOM element; `text` is always set with textContent. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "href") setHref(node, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Only http(s) and mailto links are followed; anything else stays text. */
export function safeUrl(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function setHref(node, url) {
  const safe = safeUrl(url);
  if (safe) {
    node.href = safe;
    if (!safe.startsWith("mailto:")) {
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
  }
}

/** A plain_text object (or string): emoji shortcodes when asked, nothing else. */
export function renderPlain(object) {
  if (object === null || object === undefined) return document.createTextNode("");
  if (typeof object === "string") return document.createTextNode(object);
  const text = String(object.text ?? "");
  if (object.type === "mrkdwn") return renderMrkdwn(text, {});
  return document.createTextNode(object.emoji === false ? text : emojify(text));
}

/** A text object of either type. */
export function renderText(object, ctx) {
  if (object && object.type === "mrkdwn") return renderMrkdwn(String(object.text ?? ""), ctx);
  return renderPlain(object);
}

/** mrkdwn → a fragment: code blocks, quotes, *bold* _italic_ ~strike~ `code`, <links|…>, mentions. */
export function renderMrkdwn(text, ctx) {
  const fragment = document.createDocumentFragment();
  const parts = text.split("```");
  parts.forEach((part, index) => {
    if (index % 2 === 1 && index < parts.length - 1) {
      fragment.append(h("pre", { class: "md-pre", text: decodeEntities(part.replace(/^\n/, "")) }));
    } else {
      const chunk = index % 2 === 1 ? "```" + part : part;
      renderLines(chunk, ctx, fragment);
    }
  });
  return fragment;
}

function renderLines(text, ctx, parent) {
  const lines = text.split("\n");
  let quote = null;
  lines.forEach((line, index) => {
    if (line.startsWith(">")) {
      if (!quote) {
        quote = h("blockquote", { class: "md-quote" });
        parent.append(quote);
      } else {
        quote.append(h("br"));
      }
      renderInline(line.slice(1).replace(/^ /, ""), ctx, quote);
      return;
    }
    quote = null;
    renderInline(line, ctx, parent);
    const next = lines[index + 1];
    if (index < lines.length - 1 && !(next !== undefined && next.startsWith(">"))) parent.append(h("br"));
  });
}

const MARKS = { "*": "strong", _: "em", "~": "s" };
const BOUNDARY = /[\s.,;:!?()[\]{}"'/\\-]/;

function opens(text, i) {
  return (i === 0 || BOUNDARY.test(text[i - 1])) && text[i + 1] !== undefined && !/\s/.test(text[i + 1]);
}

function closing(text, mark, from) {
  for (let j = from; j < text.length; j += 1) {
    if (text[j] === mark && !/\s/.test(text[j - 1]) && (j + 1 === text.length || BOUNDARY.test(text[j + 1]))) {
      return j;
    }
  }
  return -1;
}

function renderInline(text, ctx, parent) {
  let buffer = "";
  const flush = () => {
    if (buffer) parent.append(document.createTextNode(emojify(decodeEntities(buffer))));
    buffer = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        parent.append(h("code", { class: "md-code", text: decodeEntities(text.slice(i + 1, end)) }));
        i = end + 1;
        continue;
      }
    }
    if (ch === "<") {
      const end = text.indexOf(">", i + 1);
      if (end > i + 1) {
        flush();
        parent.append(renderToken(text.slice(i + 1, end), ctx));
        i = end + 1;
        continue;
      }
    }
    if (MARKS[ch] && opens(text, i)) {
      const end = closing(text, ch, i + 2);
      if (end > i + 1) {
        flush();
        const node = h(MARKS[ch]);
        renderInline(text.slice(i + 1, end), ctx, node);
        parent.append(node);
        i = end + 1;
        continue;
      }
    }
    buffer += ch;
    i += 1;
  }
  flush();
}

const SPECIAL = { here: "@here", channel: "@channel", everyone: "@everyone" };

function userName(ctx, id) {
  const user = ctx.users && ctx.users[id];
  return user ? user.profile?.display_name || user.name : id;
}

function renderToken(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  if (target.startsWith("@")) {
    const name = label || userName(ctx, target.slice(1));
    return h("span", { class: "mention", dataset: { user: target.slice(1) }, text: `@${decodeEntities(name)}` });
  }
  if (target.startsWith("#")) {
    const known = (ctx.conversations || []).find((c) => c.id === target.slice(1) && c.name);
    const name = label || (known ? known.name : target.slice(1));
    return h("span", { class: "mention channel-ref", text: `#${decodeEntities(name)}` });
  }
  if (target.startsWith("!")) {
    const name = target.slice(1);
    if (name.startsWith("date^")) return dateNode(name, label);
    if (name.startsWith("subteam^")) {
      return h("span", { class: "mention", text: decodeEntities(label || `@${name.slice(8)}`) });
    }
    return h("span", { class: "mention broadcast", text: SPECIAL[name] || decodeEntities(label || `@${name}`) });
  }
  const url = decodeEntities(target);
  const shown = decodeEntities(label || target.replace(/^mailto:/, ""));
  if (safeUrl(url)) return h("a", { class: "md-link", href: url, text: shown });
  return document.createTextNode(`<${decodeEntities(inner)}>`);
}

// --- <!date^seconds^format^link|fallback>, in the reader's time zone ------------------------------

function ordinal(day) {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return `${day}th`;
  return `${day}${{ 1: "st", 2: "nd", 3: "rd" }[day % 10] || "th"}`;
}

function dayWord(when) {
  const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((start(when) - start(new Date())) / 86_400_000);
  return { 0: "today", 1: "tomorrow", "-1": "yesterday" }[days] || null;
}

function ago(when) {
  const seconds = Math.round((when.getTime() - Date.now()) / 1000);
  const units = [["year", 31_536_000], ["month", 2_592_000], ["day", 86_400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const [unit, size] = units.find(([, size]) => Math.abs(seconds) >= size) || ["second", 1];
  return new Intl.RelativeTimeFormat("en", { numeric: "auto" }).format(Math.round(seconds / size), unit);
}

/** Slack's date tokens ({date_num}, {date_short}, {date_long}, {date}, …_pretty, {time}, {time_secs}, {ago}). */
export function formatSlackDate(seconds, format) {
  const when = new Date(seconds * 1000);
  const fmt = (options) => new Intl.DateTimeFormat("en-US", options).format(when);
  const month = fmt({ month: "long" });
  const long = `${fmt({ weekday: "long" })}, ${month} ${ordinal(when.getDate())}, ${when.getFullYear()}`;
  const plain = `${month} ${ordinal(when.getDate())}, ${when.getFullYear()}`;
  const short = fmt({ month: "short", day: "numeric", year: "numeric" });
  const pad = (n) => String(n).padStart(2, "0");
  const tokens = {
    date_num: `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`,
    date_slash: `${pad(when.getMonth() + 1)}/${pad(when.getDate())}/${when.getFullYear()}`,
    date_long: long,
    date_long_full: long,
    date_long_pretty: dayWord(when) || long,
    date: plain,
    date_pretty: dayWord(when) || plain,
    date_short: short,
    date_short_pretty: dayWord(when) || short,
    time: fmt({ hour: "numeric", minute: "2-digit" }),
    time_secs: fmt({ hour: "numeric", minute: "2-digit", second: "2-digit" }),
    ago: ago(when),
  };
  return format.replace(/\{(\w+)\}/g, (token, name) => (name in tokens ? tokens[name] : token));
}

function dateNode(name, label) {
  const [, seconds, format, link] = name.split("^");
  const value = Number(seconds);
  if (!Number.isFinite(value) || !format) return document.createTextNode(decodeEntities(label));
  const text = formatSlackDate(value, decodeEntities(format));
  const url = link ? decodeEntities(link) : "";
  const when = new Date(value * 1000).toISOString();
  if (url && safeUrl(url)) return h("a", { class: "md-link slack-date", href: url, title: when, text });
  return h("time", { class: "slack-date", datetime: when, title: when, text });
}
