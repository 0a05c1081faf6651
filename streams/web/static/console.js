// Vigil ops console: renders snapshots from /api/console/stream (server-sent events), falling
// back to polling /api/console. Report text is never in a snapshot; "show text" fetches one
// escalation's excerpt on click. All data is written with textContent, never as HTML.
//
// Snapshots arrive every half second while records flow. Lists are updated in place: a row
// is keyed by its id and only touched when its data changed, and a section whose data did
// not change is not touched at all, so focus, selection and a "show text" click survive.
"use strict";

const OUTCOMES = ["escalated", "merged", "duplicate", "dead_letter"];
const PRIORITIES = ["P0", "P1", "P2", "P3"];
const POLL_MS = 2000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const revealed = new Map(); // escalation_id -> excerpt the user asked to see
const lastSection = new Map(); // section name -> JSON of the data it was last drawn from
let deadlineClock = { receivedAt: 0, rows: [] };

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

function time(iso) {
  const date = new Date(iso);
  return isNaN(date) ? "—" : date.toLocaleTimeString([], { hour12: false });
}

function duration(seconds) {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const pad = (n) => String(n).padStart(2, "0");
  return sign + (d ? `${d}d ` : "") + `${pad(h)}:${pad(m)}:${pad(s)}`;
}

function showEmpty(listId, isEmpty) { $(listId + "-empty").hidden = !isEmpty; }

// Draw a section only when its data changed since it was last drawn.
function changed(section, data) {
  const json = JSON.stringify(data);
  if (lastSection.get(section) === json) return false;
  lastSection.set(section, json);
  return true;
}

// Make `container`'s children the rows for `items`, in order, keyed by `key(item)`: a row
// whose item is unchanged is left alone (and moved only if its place changed), a changed
// one is updated by `update(row, item)`, new ones come from `create(item)`, gone ones go.
function reconcile(container, items, key, create, update) {
  const existing = new Map();
  for (const row of container.children) existing.set(row.dataset.key, row);
  const seen = new Set();
  let cursor = container.firstElementChild;
  for (const item of items) {
    const id = String(key(item));
    if (seen.has(id)) continue; // one row per id
    seen.add(id);
    const data = JSON.stringify(item);
    let row = existing.get(id);
    if (!row) {
      row = create(item);
      row.dataset.key = id;
      row.dataset.json = data;
    } else if (row.dataset.json !== data) {
      update(row, item);
      row.dataset.json = data;
    }
    if (row !== cursor) container.insertBefore(row, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const [id, row] of existing) if (!seen.has(id)) row.remove();
}

function renderTiles(snap) {
  const counts = snap.outcomes || {};
  const total = OUTCOMES.reduce((sum, k) => sum + (counts[k] || 0), 0);
  setText($("events-per-second"), snap.events_per_second.toFixed(1));
  setText($("records-total"), total);
  setText($("open-total"), snap.open_cases.reduce((sum, q) => sum + q.count, 0));
  setText($("dead-letter-total"), counts.dead_letter || 0);
  const mix = $("outcome-mix");
  const legend = $("outcome-legend");
  if (!mix.children.length) {
    for (const kind of OUTCOMES) {
      mix.append(el("span", { "data-outcome": kind, style: `background:var(--${kind})` }));
      legend.append(el("li", { "data-outcome": kind }, el("i", { style: `background:var(--${kind})` }), el("span", {})));
    }
  }
  const parts = [];
  for (const kind of OUTCOMES) {
    const n = counts[kind] || 0;
    const share = total ? (100 * n) / total : 0;
    const bar = mix.querySelector(`[data-outcome="${kind}"]`);
    bar.style.width = `${share}%`;
    bar.title = `${kind} ${n}`;
    const label = `${kind.replace("_", " ")} ${n} (${share.toFixed(0)}%)`;
    setText(legend.querySelector(`[data-outcome="${kind}"] span`), label);
    parts.push(label);
  }
  mix.setAttribute("aria-label", "outcome mix: " + parts.join(", "));
}

function queueCells(row, counts) {
  for (const p of PRIORITIES) {
    const n = counts[p] || 0;
    const cell = row.querySelector(`[data-priority="${p}"]`);
    setText(cell, n);
    cell.className = n ? "" : "zero";
  }
}

function renderQueues(snap) {
  const byTeam = new Map();
  for (const q of snap.open_cases) {
    if (!byTeam.has(q.team)) byTeam.set(q.team, {});
    byTeam.get(q.team)[q.priority] = q.count;
  }
  const teams = [...byTeam.keys()].sort().map((team) => ({ team, counts: byTeam.get(team) }));
  reconcile($("queues").tBodies[0], teams, (t) => t.team,
    (t) => {
      const row = el("tr", { "data-team": t.team }, el("th", { scope: "row" }, t.team),
        ...PRIORITIES.map((p) => el("td", { "data-priority": p })));
      queueCells(row, t.counts);
      return row;
    },
    (row, t) => queueCells(row, t.counts));
  showEmpty("queues", byTeam.size === 0);
}

function deadlineCells(row, d) {
  const cells = row.children;
  const badge = cells[1];
  badge.replaceChildren(d.priority ? el("span", { class: `badge ${d.priority}` }, d.priority) : "—");
  setText(cells[2], d.team || "—");
  setText(cells[3], d.category || "—");
  setText(cells[4], d.missed ? `${d.status || "open"} · ${d.missed} missed` : d.status || "—");
  setText(cells[5], d.level ?? "—");
}

function renderDeadlines(snap) {
  deadlineClock = { receivedAt: performance.now(), rows: [] };
  const body = $("deadlines").tBodies[0];
  reconcile(body, snap.deadlines, (d) => d.case_id,
    (d) => {
      const row = el("tr", { "data-case": d.case_id }, el("td", { class: "left" }),
        el("td", {}), el("td", {}), el("td", {}), el("td", {}), el("td", {}),
        el("td", { class: "muted" }, el("span", { class: "id", title: d.case_id }, d.case_id)));
      deadlineCells(row, d);
      return row;
    },
    deadlineCells);
  for (const d of snap.deadlines) {
    const row = body.querySelector(`tr[data-key="${CSS.escape(d.case_id)}"]`);
    if (row) deadlineClock.rows.push({ cell: row.cells[0], secondsLeft: d.seconds_left });
  }
  tickDeadlines();
  showEmpty("deadlines", snap.deadlines.length === 0);
}

function tickDeadlines() {
  const elapsed = (performance.now() - deadlineClock.receivedAt) / 1000;
  for (const row of deadlineClock.rows) {
    const left = row.secondsLeft - elapsed;
    setText(row.cell, left < 0 ? `overdue ${duration(-left)}` : duration(left));
    const kind = "left " + (left < 0 ? "overdue" : left < 300 ? "soon" : "");
    if (row.cell.className !== kind) row.cell.className = kind;
  }
}

async function reveal(id, holder, button) {
  if (revealed.has(id)) {
    revealed.delete(id);
    holder.replaceChildren();
    button.textContent = "show text";
    button.setAttribute("aria-expanded", "false");
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch(`/api/escalations/${encodeURIComponent(id)}/text`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    revealed.set(id, body.excerpt);
    holder.replaceChildren(el("blockquote", { class: "excerpt" }, body.excerpt || "(no text)"));
    button.textContent = "hide text";
    button.setAttribute("aria-expanded", "true");
  } catch (error) {
    holder.replaceChildren(el("span", { class: "warning" }, `text unavailable: ${error.message}`));
  } finally {
    button.disabled = false;
  }
}

function escalationSummary(e) {
  return [
    el("div", { class: "row" },
      el("span", { class: `badge ${e.priority}` }, e.priority),
      el("strong", {}, e.category), el("span", {}, "→ " + e.team),
      el("span", { class: "muted" }, `${e.trigger} · v${e.version} · level ${e.level} · ${e.status}`),
      el("span", { class: "muted" }, `${e.report_count} report(s), ${e.distinct_reporters} reporter(s)`),
      e.coordinated ? el("span", { class: "warning" }, "coordinated") : null,
      el("span", { class: "muted" }, time(e.published_at))),
    el("div", { class: "row muted" }, (e.reasons || []).slice(0, 4).join(", ")),
  ];
}

let holderIds = 0;

function escalationItem(e) {
  const summary = el("div", { class: "summary-rows" }, ...escalationSummary(e));
  const item = el("li", { class: "escalation", "data-escalation": e.escalation_id, "data-version": e.version }, summary);
  if (e.content_warning) {
    const holderId = `excerpt-${++holderIds}`;
    const holder = el("div", { class: "text", id: holderId });
    const open = revealed.has(e.escalation_id);
    const button = el("button", { type: "button", class: "show-text", "aria-expanded": String(open), "aria-controls": holderId },
      open ? "hide text" : "show text");
    button.addEventListener("click", () => reveal(e.escalation_id, holder, button));
    if (open) holder.append(el("blockquote", { class: "excerpt" }, revealed.get(e.escalation_id)));
    item.append(el("span", {}, el("span", { class: "warning" }, "⚠ content warning: user text "), button), holder);
  }
  return item;
}

// A new version of an escalation: its summary changes, its "show text" control stays.
function updateEscalation(item, e) {
  item.querySelector(".summary-rows").replaceChildren(...escalationSummary(e));
  item.dataset.version = e.version;
}

function renderEscalations(snap) {
  reconcile($("escalations"), snap.escalations, (e) => e.escalation_id, escalationItem, updateEscalation);
  showEmpty("escalations", snap.escalations.length === 0);
}

function patternContent(p) {
  return [
    el("div", { class: "row" }, el("strong", {}, p.kind.replaceAll("_", " ")),
      el("span", { class: "muted" }, `${p.status} · v${p.version} · ${p.count} reports · ${time(p.window_end)}`)),
    el("p", { class: "summary" }, p.summary),
    el("div", { class: "muted" }, "next: " + p.suggested_action),
  ];
}

function renderPatterns(snap) {
  reconcile($("patterns"), snap.patterns, (p) => p.pattern_id,
    (p) => el("li", { class: "pattern", "data-pattern": p.pattern_id }, ...patternContent(p)),
    (row, p) => row.replaceChildren(...patternContent(p)));
  showEmpty("patterns", snap.patterns.length === 0);
}

function deadLetterCells(d) {
  return [el("td", {}, time(d.at)), el("td", {}, d.stage), el("td", {}, d.reason),
    el("td", { class: "err" }, d.error), el("td", { class: "muted" }, el("span", { class: "id", title: d.event_id || "" }, d.event_id || "—"))];
}

function renderDeadLetters(snap) {
  const uses = new Map(); // dead letters have no id of their own: the same fields twice get #1, #2
  const letters = snap.dead_letters.map((d) => {
    const base = `${d.at}|${d.stage}|${d.reason}|${d.event_id || ""}`;
    uses.set(base, (uses.get(base) || 0) + 1);
    return { key: `${base}#${uses.get(base)}`, letter: d };
  });
  reconcile($("dead-letters").tBodies[0], letters, (d) => d.key,
    (d) => el("tr", { class: "dead-letter" }, ...deadLetterCells(d.letter)),
    (row, d) => row.replaceChildren(...deadLetterCells(d.letter)));
  showEmpty("dead-letters", snap.dead_letters.length === 0);
}

function render(snap) {
  renderTiles(snap);
  if (changed("queues", snap.open_cases)) renderQueues(snap);
  renderDeadlines(snap); // time left moves with every snapshot
  if (changed("escalations", snap.escalations)) renderEscalations(snap);
  if (changed("patterns", snap.patterns)) renderPatterns(snap);
  if (changed("dead_letters", snap.dead_letters)) renderDeadLetters(snap);
  setText($("updated"), time(snap.now));
  document.body.dataset.version = snap.version;
}

function connection(state, text) {
  const node = $("connection");
  const kind = `conn conn-${state}`;
  if (node.className !== kind) node.className = kind;
  node.dataset.state = state;
  setText(node, text);
}

async function poll() {
  connection("wait", "polling");
  for (;;) {
    try {
      const response = await fetch("/api/console", { cache: "no-store" });
      const snap = await response.json();
      render(snap);
      if (snap.ready === false) connection("wait", "worker starting: reading its cases…");
      else connection("live", "live (polling)");
    } catch (error) {
      connection("down", "worker unreachable");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// EventSource retries by itself after a dropped connection, but gives up for good (state
// CLOSED) when the worker answers with an error, e.g. while it restarts: then reconnect
// here, waiting longer after each failure.
let retryMs = RETRY_MIN_MS;

function stream() {
  if (!("EventSource" in window)) return poll();
  const source = new EventSource("/api/console/stream");
  source.addEventListener("snapshot", (message) => {
    retryMs = RETRY_MIN_MS;
    const snap = JSON.parse(message.data);
    render(snap);
    if (snap.ready === false) connection("wait", "worker starting: reading its cases…");
    else connection("live", "live");
  });
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      connection("wait", "reconnecting…");
      return;
    }
    source.close();
    const wait = retryMs;
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    connection("down", `disconnected; retrying in ${Math.round(wait / 1000)} s`);
    setTimeout(stream, wait);
  };
}

setInterval(tickDeadlines, 1000);
stream();
