// Vigil ops console: renders snapshots from /api/console/stream (server-sent events), falling
// back to polling /api/console. Report text is never in a snapshot; "show text" fetches one
// escalation's excerpt on click. All data is written with textContent, never as HTML.
"use strict";

const OUTCOMES = ["escalated", "merged", "duplicate", "dead_letter"];
const PRIORITIES = ["P0", "P1", "P2", "P3"];
const POLL_MS = 2000;
const revealed = new Map(); // escalation_id -> excerpt the user asked to see
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

function renderTiles(snap) {
  const counts = snap.outcomes || {};
  const total = OUTCOMES.reduce((sum, k) => sum + (counts[k] || 0), 0);
  $("events-per-second").textContent = snap.events_per_second.toFixed(1);
  $("records-total").textContent = total;
  $("open-total").textContent = snap.open_cases.reduce((sum, q) => sum + q.count, 0);
  $("dead-letter-total").textContent = counts.dead_letter || 0;
  const mix = $("outcome-mix");
  const legend = $("outcome-legend");
  mix.replaceChildren();
  legend.replaceChildren();
  for (const kind of OUTCOMES) {
    const n = counts[kind] || 0;
    const share = total ? (100 * n) / total : 0;
    mix.append(el("span", { style: `width:${share}%;background:var(--${kind})`, title: `${kind} ${n}` }));
    legend.append(el("li", { "data-outcome": kind }, el("i", { style: `background:var(--${kind})` }),
      `${kind.replace("_", " ")} ${n} (${share.toFixed(0)}%)`));
  }
}

function renderQueues(snap) {
  const byTeam = new Map();
  for (const q of snap.open_cases) {
    if (!byTeam.has(q.team)) byTeam.set(q.team, {});
    byTeam.get(q.team)[q.priority] = q.count;
  }
  const body = $("queues").tBodies[0];
  body.replaceChildren(...[...byTeam.keys()].sort().map((team) => el("tr", { "data-team": team },
    el("td", {}, team),
    ...PRIORITIES.map((p) => {
      const n = byTeam.get(team)[p] || 0;
      return el("td", { class: n ? "" : "zero", "data-priority": p }, n);
    }))));
  showEmpty("queues", byTeam.size === 0);
}

function renderDeadlines(snap) {
  deadlineClock = { receivedAt: performance.now(), rows: [] };
  const body = $("deadlines").tBodies[0];
  body.replaceChildren(...snap.deadlines.map((d) => {
    const left = el("td", { class: "left" });
    deadlineClock.rows.push({ cell: left, secondsLeft: d.seconds_left });
    return el("tr", { "data-case": d.case_id },
      left,
      el("td", {}, d.priority ? el("span", { class: `badge ${d.priority}` }, d.priority) : "—"),
      el("td", {}, d.team || "—"), el("td", {}, d.category || "—"), el("td", {}, d.status || "—"),
      el("td", {}, d.level ?? "—"), el("td", { class: "muted" }, el("span", { class: "id", title: d.case_id }, d.case_id)));
  }));
  tickDeadlines();
  showEmpty("deadlines", snap.deadlines.length === 0);
}

function tickDeadlines() {
  const elapsed = (performance.now() - deadlineClock.receivedAt) / 1000;
  for (const row of deadlineClock.rows) {
    const left = row.secondsLeft - elapsed;
    row.cell.textContent = left < 0 ? `overdue ${duration(-left)}` : duration(left);
    row.cell.className = "left " + (left < 0 ? "overdue" : left < 300 ? "soon" : "");
  }
}

async function reveal(id, holder, button) {
  if (revealed.has(id)) {
    revealed.delete(id);
    holder.replaceChildren();
    button.textContent = "show text";
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
  } catch (error) {
    holder.replaceChildren(el("span", { class: "warning" }, `text unavailable: ${error.message}`));
  } finally {
    button.disabled = false;
  }
}

function escalationItem(e) {
  const holder = el("div", { class: "text" });
  let control = null;
  if (e.content_warning) {
    const button = el("button", { type: "button", class: "show-text" }, revealed.has(e.escalation_id) ? "hide text" : "show text");
    button.addEventListener("click", () => reveal(e.escalation_id, holder, button));
    control = el("span", {}, el("span", { class: "warning" }, "⚠ content warning: user text "), button);
    if (revealed.has(e.escalation_id)) holder.append(el("blockquote", { class: "excerpt" }, revealed.get(e.escalation_id)));
  }
  return el("li", { class: "escalation", "data-escalation": e.escalation_id, "data-version": e.version },
    el("div", { class: "row" },
      el("span", { class: `badge ${e.priority}` }, e.priority),
      el("strong", {}, e.category), el("span", {}, "→ " + e.team),
      el("span", { class: "muted" }, `${e.trigger} · v${e.version} · level ${e.level} · ${e.status}`),
      el("span", { class: "muted" }, `${e.report_count} report(s), ${e.distinct_reporters} reporter(s)`),
      e.coordinated ? el("span", { class: "warning" }, "coordinated") : null,
      el("span", { class: "muted" }, time(e.published_at))),
    el("div", { class: "row muted" }, (e.reasons || []).slice(0, 4).join(", ")),
    control, holder);
}

function renderEscalations(snap) {
  $("escalations").replaceChildren(...snap.escalations.map(escalationItem));
  showEmpty("escalations", snap.escalations.length === 0);
}

function renderPatterns(snap) {
  $("patterns").replaceChildren(...snap.patterns.map((p) => el("li", { class: "pattern", "data-pattern": p.pattern_id },
    el("div", { class: "row" }, el("strong", {}, p.kind.replaceAll("_", " ")),
      el("span", { class: "muted" }, `${p.status} · v${p.version} · ${p.count} reports · ${time(p.window_end)}`)),
    el("p", { class: "summary" }, p.summary),
    el("div", { class: "muted" }, "next: " + p.suggested_action))));
  showEmpty("patterns", snap.patterns.length === 0);
}

function renderDeadLetters(snap) {
  $("dead-letters").tBodies[0].replaceChildren(...snap.dead_letters.map((d) => el("tr", { class: "dead-letter" },
    el("td", {}, time(d.at)), el("td", {}, d.stage), el("td", {}, d.reason),
    el("td", { class: "err" }, d.error), el("td", { class: "muted" }, el("span", { class: "id", title: d.event_id || "" }, d.event_id || "—")))));
  showEmpty("dead-letters", snap.dead_letters.length === 0);
}

function render(snap) {
  renderTiles(snap);
  renderQueues(snap);
  renderDeadlines(snap);
  renderEscalations(snap);
  renderPatterns(snap);
  renderDeadLetters(snap);
  $("updated").textContent = time(snap.now);
  document.body.dataset.version = snap.version;
}

function connection(state, text) {
  const node = $("connection");
  node.className = `conn conn-${state}`;
  node.textContent = text;
}

async function poll() {
  connection("wait", "polling");
  for (;;) {
    try {
      const response = await fetch("/api/console", { cache: "no-store" });
      render(await response.json());
      connection("live", "live (polling)");
    } catch (error) {
      connection("down", "worker unreachable");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function stream() {
  if (!("EventSource" in window)) return poll();
  const source = new EventSource("/api/console/stream");
  source.addEventListener("snapshot", (message) => {
    render(JSON.parse(message.data));
    connection("live", "live");
  });
  source.onerror = () => connection("down", "reconnecting…"); // EventSource retries by itself
}

setInterval(tickDeadlines, 1000);
stream();
