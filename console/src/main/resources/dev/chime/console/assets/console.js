"use strict";
// Chime console. Served with a Content-Security-Policy that forbids inline code: everything is here.
// All API paths are relative, so the console works wherever it is mounted (/, /chime/, ...).

const $ = id => document.getElementById(id);
const state = { token: sessionStorage.getItem("chime-token") || "", page: 0, size: 25, total: 0, role: null,
                jobId: null, executionId: null, stream: null,
                // The two execution tables: where their page starts (null: the newest) and the next cursor.
                lists: { history: { after: null, next: null }, executions: { after: null, next: null } } };
const PAGE = 20;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : "—";
}

function say(text, ok) {
  const m = $("message");
  m.textContent = text || "";
  m.className = ok ? "ok" : "";
}

async function api(method, path, body) {
  const headers = { "Authorization": "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) });
  const json = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(json.error || ("HTTP " + res.status));
    err.status = res.status;
    throw err;
  }
  return json;
}

const q = id => "?id=" + encodeURIComponent(id);

// ---- jobs list ----

function jobRow(job) {
  const last = job.lastRun || {};
  const actions = el("td", { class: "admin" },
    job.paused ? el("button", { "data-action": "resume", "data-job": job.id }, "Resume")
               : el("button", { "data-action": "pause", "data-job": job.id }, "Pause"),
    el("button", { "data-action": "run", "data-job": job.id }, "Run now"));
  return el("tr", { "data-job": job.id },
    el("td", {}, el("a", { href: "#job=" + encodeURIComponent(job.id), class: "job-link" }, job.id)),
    el("td", {}, el("code", {}, job.task)),
    el("td", {}, el("code", { class: "trigger" }, job.trigger), el("div", { class: "describe" }, job.description)),
    el("td", { class: "state" + (job.paused ? " paused" : "") }, job.paused ? "paused" : "scheduled"),
    el("td", { class: "next" }, when(job.nextFireTime)),
    el("td", { class: "outcome " + (last.outcome || "") }, last.outcome ? last.outcome + (last.error ? ": " + last.error : "") : "—"),
    actions);
}

function listQuery() {
  const p = new URLSearchParams({ page: state.page, size: state.size });
  if ($("search").value.trim()) p.set("q", $("search").value.trim());
  if ($("filter-task").value) p.set("task", $("filter-task").value);
  if ($("filter-state").value) p.set("state", $("filter-state").value);
  if ($("filter-paused").value) p.set("paused", $("filter-paused").value);
  return "api/jobs?" + p.toString();
}

async function loadJobs() {
  const answer = await api("GET", listQuery());
  state.total = answer.total;
  const body = $("jobs");
  body.replaceChildren(...(answer.items.length ? answer.items.map(jobRow)
      : [el("tr", {}, el("td", { colspan: "7", class: "muted" }, "no jobs match"))]));
  const pages = Math.max(1, Math.ceil(answer.total / state.size));
  $("page-info").textContent = "page " + (state.page + 1) + " of " + pages + " · " + answer.total + " jobs";
  $("prev").disabled = state.page === 0;
  $("next").disabled = state.page + 1 >= pages;
}

/** One job changed: redraw its row only, if it is on this page. */
async function refreshRow(id) {
  const row = [...document.querySelectorAll("#jobs tr[data-job]")].find(r => r.dataset.job === id);
  if (state.jobId === id) await loadJob(id).catch(() => {});
  if (!row) return;
  try {
    row.replaceWith(jobRow(await api("GET", "api/job" + q(id))));
  } catch (e) {
    if (e.status === 404) row.remove();
  }
}

async function loadNodes() {
  const answer = await api("GET", "api/nodes");
  const rows = answer.nodes.map(n => el("tr", { "data-node": n.id },
    el("td", {}, n.id + (n.self ? " (this node)" : "")),
    el("td", { class: "heartbeat" }, (n.heartbeatAgeMs / 1000).toFixed(1) + " s ago"),
    el("td", { class: "running" }, n.running.length ? n.running.map(r => r.jobId).join(", ") : "—")));
  $("nodes").replaceChildren(...(rows.length ? rows
      : [el("tr", {}, el("td", { colspan: "3", class: "muted" }, answer.available ? "no nodes" : "the store does not tell"))]));
}

async function loadScheduler() {
  const s = await api("GET", "api/scheduler");
  $("status").textContent = "scheduler " + s.state + " · " + s.jobs + " jobs, " + s.pausedJobs + " paused, "
      + s.runningJobs + " running · signed in as " + state.role.toLowerCase().replace("_", "-");
  const toggle = $("scheduler-toggle");
  toggle.hidden = state.role !== "ADMIN";
  toggle.dataset.action = s.state === "PAUSED" ? "resume" : "pause";
  toggle.textContent = s.state === "PAUSED" ? "Resume scheduler" : "Pause scheduler";
}

async function loadTasks() {
  const names = await api("GET", "api/tasks");
  const select = $("filter-task");
  select.replaceChildren(el("option", { value: "" }, "any task"), ...names.map(n => el("option", { value: n }, n)));
  $("task-names").replaceChildren(...names.map(n => el("option", { value: n })));
}

// ---- one job ----

async function loadJob(id) {
  const job = await api("GET", "api/job" + q(id));
  $("job-title").textContent = job.id;
  const facts = [["Task", job.task], ["Trigger", job.trigger], ["Schedule", job.description],
    ["Stored as", job.storedTrigger], ["State", job.paused ? "paused" : "scheduled"], ["Next run", when(job.nextFireTime)],
    ["Last outcome", job.lastRun ? job.lastRun.outcome + (job.lastRun.error ? ": " + job.lastRun.error : "") : "—"],
    ["Declared by", job.declaredBy || "—"]];
  $("job-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k }, v)]));
  $("job-next").replaceChildren(...job.nextFireTimes.map(t => el("li", {}, when(t) + "  (" + t + ")")));
  if (job.dependsOnCompletion) $("job-next").append(el("li", { class: "muted" }, "assuming each run takes no time"));
  $("job-pause").textContent = job.paused ? "Resume" : "Pause";
  $("job-pause").dataset.action = job.paused ? "resume" : "pause";
  const form = $("edit-form");
  form.task.value = job.task;
  form.trigger.value = job.trigger;
  form.options.value = JSON.stringify(job.options);
  form.data.value = job.data == null ? "" : JSON.stringify(job.data);
  document.body.dataset.job = job.id;
}

// ---- executions: a job's history, every execution, one execution ----

const WAITING = ["SCHEDULED", "WAITING_FOR_RETRY", "RUNNING"];

function duration(e) {
  return e.durationMs == null ? "" : " (" + (e.durationMs / 1000).toFixed(1) + " s)";
}

/** One execution as a table row; a stack trace is text in a <pre>, never markup. */
function executionRow(e, withJob) {
  const error = el("td", { class: "error" }, e.error || "");
  if (e.stackTrace) error.append(el("details", {}, el("summary", {}, "stack trace"), el("pre", {}, e.stackTrace)));
  const actions = el("td", { class: "admin" });
  if (e.state === "FAILED" || e.state === "CANCELLED") {
    actions.append(el("button", { "data-exec-action": "retry", "data-execution": e.id }, "Requeue"));
  }
  if (WAITING.includes(e.state)) {
    actions.append(el("button", { "data-exec-action": "cancel", "data-execution": e.id, class: "danger" }, "Cancel"));
  }
  const cells = [el("td", {}, el("a", { href: "#execution=" + encodeURIComponent(e.id), class: "execution-link" }, e.id.slice(0, 8)))];
  if (withJob) {
    cells.push(el("td", { class: "owner" }, e.jobId ? el("a", { href: "#job=" + encodeURIComponent(e.jobId) }, e.jobId)
                                                    : el("span", {}, "task ", el("code", {}, e.task))));
  }
  cells.push(el("td", { class: "state " + e.state }, e.state),
    el("td", {}, when(e.scheduledTime)),
    el("td", { class: "ended" }, when(e.endedAt) + duration(e)),
    el("td", { class: "attempts" }, e.attempts),
    el("td", {}, e.node || "—"),
    error, actions);
  return el("tr", { "data-execution": e.id, "data-state": e.state }, ...cells);
}

/** The execution tables: what each lists, and whether an execution belongs on its newest page. */
const tables = {
  history: { body: "job-history", withJob: false, older: "history-older", shown: () => !!state.jobId,
             query: () => { const p = new URLSearchParams({ job: state.jobId }); if ($("history-state").value) p.set("state", $("history-state").value); return p; },
             matches: e => e.jobId === state.jobId && (!$("history-state").value || e.state === $("history-state").value) },
  executions: { body: "executions", withJob: true, older: "executions-older", shown: () => !$("executions-view").hidden,
                query: () => { const p = new URLSearchParams(); if ($("executions-state").value) p.set("state", $("executions-state").value); return p; },
                matches: e => !$("executions-state").value || e.state === $("executions-state").value }
};

async function loadExecutions(name) {
  const t = tables[name], list = state.lists[name], p = t.query();
  p.set("size", PAGE);
  if (list.after) p.set("after", list.after);
  const page = await api("GET", "api/executions?" + p.toString());
  list.next = page.next;
  const cols = t.withJob ? 9 : 8;
  $(t.body).replaceChildren(...(page.items.length ? page.items.map(e => executionRow(e, t.withJob))
      : [el("tr", {}, el("td", { colspan: String(cols), class: "muted" }, "no executions"))]));
  $(t.older).disabled = !page.next;
  $(t.body).dataset.loaded = "true";
}

/** An execution changed: redraw its row where it is shown, or put it on top of a newest page it belongs to. */
function executionChanged(e) {
  if (state.executionId === e.id) showExecution(e);
  for (const [name, t] of Object.entries(tables)) {
    if (!t.shown()) continue;
    const body = $(t.body);
    const row = [...body.querySelectorAll("tr[data-execution]")].find(r => r.dataset.execution === e.id);
    if (row) {
      row.replaceWith(executionRow(e, t.withJob));
    } else if (!state.lists[name].after && t.matches(e)) {
      body.querySelectorAll("tr:not([data-execution])").forEach(r => r.remove());
      body.prepend(executionRow(e, t.withJob));
      while (body.children.length > PAGE) body.lastElementChild.remove();
    }
  }
}

function showExecution(e) {
  $("execution-title").textContent = "Execution " + e.id;
  const facts = [["Job", e.jobId || "— (an enqueued task)"], ["Task", e.task], ["State", e.state], ["Attempts", String(e.attempts)],
    ["Node", e.node || "—"], ["Scheduled", when(e.scheduledTime)], ["Due", when(e.dueAt)], ["Created", when(e.createdAt)],
    ["Started", when(e.startedAt)], ["Ended", when(e.endedAt) + duration(e)], ["Last failure", e.error || "—"]];
  $("execution-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k }, v)]));
  $("execution-result").textContent = e.result == null ? "—" : JSON.stringify(e.result, null, 2);
  $("execution-stack").textContent = e.stackTrace || "—";
  $("execution-retry").hidden = !(e.state === "FAILED" || e.state === "CANCELLED");
  $("execution-cancel").hidden = !WAITING.includes(e.state);
  document.body.dataset.execution = e.id;
}

async function loadExecution(id) {
  showExecution(await api("GET", "api/execution" + q(id)));
}

async function executionAction(id, action) {
  try {
    const e = await api("POST", "api/execution/" + action + q(id));
    say(action === "retry" ? "requeued " + id : "cancel asked for " + id, true);
    executionChanged(e);
  } catch (err) {
    say(err.message);
  }
}

async function enqueueTask(ev) {
  ev.preventDefault();
  const f = ev.target;
  try {
    const body = { task: f.task.value.trim() };
    const data = readJson(f.data.value, "data");
    if (data !== undefined) body.data = data;
    if (f.delay.value.trim()) body.delay = f.delay.value.trim();
    if (f.runAt.value.trim()) body.runAt = f.runAt.value.trim();
    const e = await api("POST", "api/executions", body);
    say("enqueued " + body.task + " as " + e.id, true);
    f.reset();
    f.hidden = true;
    location.hash = "#execution=" + encodeURIComponent(e.id);
  } catch (err) {
    say(err.message);
  }
}

function showView() {
  const job = location.hash.match(/^#job=(.*)$/);
  const execution = location.hash.match(/^#execution=(.*)$/);
  const executions = location.hash === "#executions";
  state.jobId = job ? decodeURIComponent(job[1]) : null;
  state.executionId = execution ? decodeURIComponent(execution[1]) : null;
  $("job-view").hidden = !state.jobId;
  $("execution-view").hidden = !state.executionId;
  $("executions-view").hidden = !executions;
  $("list-view").hidden = !!(state.jobId || state.executionId || executions);
  if (state.jobId) {
    state.lists.history.after = null;
    loadJob(state.jobId).catch(e => say(e.message));
    loadExecutions("history").catch(e => say(e.message));
  }
  if (state.executionId) loadExecution(state.executionId).catch(e => say(e.message));
  if (executions) {
    state.lists.executions.after = null;
    loadExecutions("executions").catch(e => say(e.message));
  }
}

// ---- actions ----

async function act(id, action) {
  try {
    await api("POST", "api/job/" + action + q(id));
    say(action === "run" ? "started " + id : "", true);
    await refreshRow(id);
  } catch (e) {
    say(e.message);
  }
}

function readJson(text, field) {
  if (!text.trim()) return undefined;
  try { return JSON.parse(text); } catch (e) { throw new Error(field + ": not valid JSON"); }
}

async function addJob(ev) {
  ev.preventDefault();
  const f = ev.target;
  try {
    const body = { id: f.id.value, task: f.task.value.trim(), trigger: f.trigger.value.trim() };
    const options = readJson(f.options.value, "options"), data = readJson(f.data.value, "data");
    if (options !== undefined) body.options = options;
    if (data !== undefined) body.data = data;
    await api("POST", "api/jobs", body);
    say("added " + body.id, true);
    f.reset();
    f.hidden = true;
    await loadJobs();
  } catch (e) {
    say(e.message);
  }
}

async function editJob(ev) {
  ev.preventDefault();
  const f = ev.target;
  try {
    const body = { task: f.task.value.trim(), trigger: f.trigger.value.trim() };
    const options = readJson(f.options.value, "options"), data = readJson(f.data.value, "data");
    if (options !== undefined) body.options = options;
    if (data !== undefined) body.data = data;
    await api("PUT", "api/job" + q(state.jobId), body);
    say("saved " + state.jobId, true);
    await loadJob(state.jobId);
  } catch (e) {
    say(e.message);
  }
}

// ---- live updates: the scheduler's events, read as a stream (fetch, so the token goes in a header) ----

async function listen() {
  if (state.stream) state.stream.abort();
  const controller = new AbortController();
  state.stream = controller;
  try {
    const res = await fetch("api/events", { headers: { "Authorization": "Bearer " + state.token }, signal: controller.signal });
    if (!res.ok) throw new Error("events: HTTP " + res.status);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    document.body.dataset.live = "true";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onFrame(frame);
      }
    }
  } catch (e) {
    if (controller.signal.aborted) return;
  }
  document.body.dataset.live = "false";
  // The stream ended (overflow, restart): reload what is shown, then listen again.
  setTimeout(() => { if (state.stream === controller) { refreshAll(); listen(); } }, 3000);
}

function onFrame(frame) {
  const kind = (frame.match(/^event: (.*)$/m) || [])[1];
  const data = (frame.match(/^data: (.*)$/m) || [])[1];
  if (kind === "overflow") { refreshAll(); return; }
  if (kind === "execution" && data) { executionChanged(JSON.parse(data)); return; }
  if (kind === "executions-stale") { reloadExecutions(); return; }
  if (kind !== "chime" || !data) return;
  const e = JSON.parse(data);
  if (e.scheduler) { loadScheduler().catch(() => {}); return; }
  if (e.type === "Added" || e.type === "Removed") { loadJobs().catch(() => {}); loadScheduler().catch(() => {}); }
  else if (e.jobId) refreshRow(e.jobId);
  if (e.type === "Executed" || e.type === "Failed") loadNodes().catch(() => {});
}

/** Executions changed that the stream could not say one by one: reload the ones shown. */
function reloadExecutions() {
  for (const name of Object.keys(tables)) if (tables[name].shown()) loadExecutions(name).catch(() => {});
  if (state.executionId) loadExecution(state.executionId).catch(() => {});
}

async function refreshAll() {
  await Promise.all([loadScheduler(), loadJobs(), loadNodes()]);
  reloadExecutions();
}

async function signIn() {
  state.token = $("token").value.trim() || state.token;
  try {
    const me = await api("GET", "api/me");
    sessionStorage.setItem("chime-token", state.token);
    state.role = me.role;
    document.body.classList.toggle("read-only", me.role !== "ADMIN");
    say("");
    await Promise.all([loadTasks(), refreshAll()]);
    showView();
    document.body.dataset.loaded = "true";
    listen();
  } catch (e) {
    say(e.status === 401 ? "sign in: " + e.message : e.message);
  }
}

let searchTimer;
function onFilter() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => { state.page = 0; loadJobs().catch(e => say(e.message)); }, 200);
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = "";
  $("sign-in").addEventListener("click", signIn);
  $("token").addEventListener("keydown", ev => { if (ev.key === "Enter") signIn(); });
  $("jobs").addEventListener("click", ev => {
    const b = ev.target.closest("button[data-action]");
    if (b) act(b.dataset.job, b.dataset.action);
  });
  for (const id of ["search", "filter-task", "filter-state", "filter-paused"]) {
    $(id).addEventListener(id === "search" ? "input" : "change", onFilter);
  }
  $("prev").addEventListener("click", () => { state.page--; loadJobs().catch(e => say(e.message)); });
  $("next").addEventListener("click", () => { state.page++; loadJobs().catch(e => say(e.message)); });
  $("show-add").addEventListener("click", () => { $("add-form").hidden = false; });
  $("cancel-add").addEventListener("click", () => { $("add-form").hidden = true; });
  $("add-form").addEventListener("submit", addJob);
  $("edit-form").addEventListener("submit", editJob);
  $("scheduler-toggle").addEventListener("click", async ev => {
    try { await api("POST", "api/scheduler/" + ev.target.dataset.action); await loadScheduler(); } catch (e) { say(e.message); }
  });
  $("job-pause").addEventListener("click", ev => act(state.jobId, ev.target.dataset.action));
  $("job-run").addEventListener("click", () => act(state.jobId, "run"));
  $("job-delete").addEventListener("click", async () => {
    if (!confirm("Delete job " + state.jobId + "?")) return;
    try { await api("DELETE", "api/job" + q(state.jobId)); say("deleted " + state.jobId, true); location.hash = ""; await loadJobs(); }
    catch (e) { say(e.message); }
  });
  $("back").addEventListener("click", ev => { ev.preventDefault(); location.hash = ""; });
  for (const body of ["job-history", "executions"]) {
    $(body).addEventListener("click", ev => {
      const b = ev.target.closest("button[data-exec-action]");
      if (b) executionAction(b.dataset.execution, b.dataset.execAction);
    });
  }
  for (const name of Object.keys(tables)) {
    const reload = () => { state.lists[name].after = null; loadExecutions(name).catch(e => say(e.message)); };
    $(name === "history" ? "history-state" : "executions-state").addEventListener("change", reload);
    $(name === "history" ? "history-newest" : "executions-newest").addEventListener("click", reload);
    $(tables[name].older).addEventListener("click", () => {
      state.lists[name].after = state.lists[name].next;
      loadExecutions(name).catch(e => say(e.message));
    });
  }
  $("execution-retry").addEventListener("click", () => executionAction(state.executionId, "retry"));
  $("execution-cancel").addEventListener("click", () => executionAction(state.executionId, "cancel"));
  $("show-enqueue").addEventListener("click", () => { $("enqueue-form").hidden = false; });
  $("cancel-enqueue").addEventListener("click", () => { $("enqueue-form").hidden = true; });
  $("enqueue-form").addEventListener("submit", enqueueTask);
  window.addEventListener("hashchange", showView);
  if (state.token) signIn();
});
