"use strict";
// Chime console. Served with a Content-Security-Policy that forbids inline code: everything is here.
// All API paths are relative, so the console works wherever it is mounted (/, /chime/, ...).

const $ = id => document.getElementById(id);
const state = { token: sessionStorage.getItem("chime-token") || "", page: 0, size: 25, total: 0, role: null,
                jobId: null, stream: null };

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

/** A job's row; {@code asked} is the number of the question it answers (see ask), newer rows win. */
function jobRow(job, asked) {
  const last = job.lastRun || {};
  const actions = el("td", { class: "admin" },
    job.paused ? el("button", { "data-action": "resume", "data-job": job.id }, "Resume")
               : el("button", { "data-action": "pause", "data-job": job.id }, "Pause"),
    el("button", { "data-action": "run", "data-job": job.id }, "Run now"));
  return el("tr", { "data-job": job.id, "data-asked": asked },
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
  const newest = ask("jobs");
  const answer = await api("GET", listQuery());
  if (!newest()) return;
  state.total = answer.total;
  const body = $("jobs");
  const drawn = job => {
    const shown = rowOf(job.id);
    return shown && Number(shown.dataset.asked) > newest.asked ? shown : jobRow(job, newest.asked);
  };
  body.replaceChildren(...(answer.items.length ? answer.items.map(drawn)
      : [el("tr", {}, el("td", { colspan: "7", class: "muted" }, "no jobs match"))]));
  const pages = Math.max(1, Math.ceil(answer.total / state.size));
  $("page-info").textContent = "page " + (state.page + 1) + " of " + pages + " · " + answer.total + " jobs";
  $("prev").disabled = state.page === 0;
  $("next").disabled = state.page + 1 >= pages;
}

// Two answers for the same thing can be on their way at once (the answer to a click and the refresh an
// event asked for) and arrive in either order: only the answer to the newest question is drawn, and an
// older one never overwrites it.
let questions = 0;
const newestAsked = new Map();
function ask(key) {
  const n = ++questions;
  newestAsked.set(key, n);
  const newest = () => newestAsked.get(key) === n;
  newest.asked = n;
  return newest;
}

function rowOf(id) {
  return [...document.querySelectorAll("#jobs tr[data-job]")].find(r => r.dataset.job === id);
}

/**
 * One job changed: redraw its row, if it is on this page, and its page, if it is open. With
 * {@code until}, the answer is expected to show something (an event is sent before the store has
 * written the outcome it reports): asked again a few times, a little later each time, until it does.
 */
async function refreshRow(id, until) {
  await askUntil(() => redraw(id), job => !until || (job != null && until(job)));
}

/**
 * Asks ({@code ask}) until the answer shows what an event reported ({@code shows}), or about six
 * seconds have passed, waiting twice as long before each new question: the scheduler's events are
 * sent before the store has written what they report.
 */
async function askUntil(ask, shows) {
  for (let wait = 100; ; wait *= 2) {
    const answer = await ask();
    if (shows(answer) || wait > 3200) return;
    await new Promise(resolve => setTimeout(resolve, wait));
  }
}

/** Redraws a job where it is shown; answers the job as read, or null when it is not shown or is gone. */
async function redraw(id) {
  let job = null;
  if (state.jobId === id) {
    job = await loadJob(id).catch(() => null);
    await loadHistory(id).catch(() => {});
  }
  if (!rowOf(id)) return job;
  const newest = ask("row:" + id);
  try {
    job = await api("GET", "api/job" + q(id));
  } catch (e) {
    if (e.status === 404 && newest()) rowOf(id)?.remove();
    return null;
  }
  const row = rowOf(id);
  if (newest() && row && Number(row.dataset.asked) < newest.asked) row.replaceWith(jobRow(job, newest.asked));
  return job;
}

async function loadNodes() {
  const newest = ask("nodes");
  const answer = await api("GET", "api/nodes");
  if (!newest()) return answer;
  const rows = answer.nodes.map(n => el("tr", { "data-node": n.id },
    el("td", {}, n.id + (n.self ? " (this node)" : "")),
    el("td", { class: "heartbeat" }, (n.heartbeatAgeMs / 1000).toFixed(1) + " s ago"),
    el("td", { class: "running" }, n.running.length ? n.running.map(r => r.jobId).join(", ") : "—")));
  $("nodes").replaceChildren(...(rows.length ? rows
      : [el("tr", {}, el("td", { colspan: "3", class: "muted" }, answer.available ? "no nodes" : "the store does not tell"))]));
  return answer;
}

/** A run of the job ended: its event comes before the store forgets the run, so ask again until it has. */
async function refreshNodes(jobId) {
  await askUntil(() => loadNodes().catch(() => null),
      answer => !answer || !answer.nodes.some(n => n.running.some(r => r.jobId === jobId)));
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
  const newest = ask("job");
  const job = await api("GET", "api/job" + q(id));
  if (!newest() || state.jobId !== id) return job;
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
  return job;
}

function historyRow(run) {
  const error = run.error == null ? "" : run.stackTrace
    ? el("details", {}, el("summary", {}, run.error), el("pre", {}, run.stackTrace)) : run.error;
  return el("tr", { "data-run": run.id },
    el("td", {}, when(run.fireTime)),
    el("td", { class: "outcome " + run.outcome }, run.outcome),
    el("td", {}, run.attempts),
    el("td", {}, when(run.startedAt)),
    el("td", {}, when(run.finishedAt)),
    el("td", {}, run.node),
    el("td", {}, error));
}

// One page of the job's runs, newest first; "Older runs" appends the next page.
async function loadHistory(id, after) {
  const newest = ask(after ? "history-more" : "history");
  const page = await api("GET", "api/history" + q(id) + "&limit=20" + (after ? "&after=" + encodeURIComponent(after) : ""));
  if (!newest() || state.jobId !== id) return;  // a newer page was asked for, or the user went on to another job
  const rows = page.runs.map(historyRow);
  if (after) $("job-history").append(...rows);
  else $("job-history").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "7", class: "muted" }, "no runs yet"))]));
  state.historyNext = page.next;
  $("history-more").hidden = !page.next;
}

function showView() {
  const m = location.hash.match(/^#job=(.*)$/);
  state.jobId = m ? decodeURIComponent(m[1]) : null;
  $("job-view").hidden = !state.jobId;
  $("list-view").hidden = !!state.jobId;
  if (state.jobId) {
    loadJob(state.jobId).catch(e => say(e.message));
    loadHistory(state.jobId).catch(e => say(e.message));
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

// ---- failed runs across all jobs, and background tasks ----

const FAILED = "outcome=FAILURE,TIMEOUT,MISSED&limit=20";
const FINAL = ["SUCCEEDED", "FAILED", "CANCELLED"];

function failedRow(run) {
  const error = run.error == null ? "" : run.stackTrace
    ? el("details", {}, el("summary", {}, run.error), el("pre", {}, run.stackTrace)) : run.error;
  const link = run.enqueued ? el("span", { class: "muted" }, "task ")
    : el("a", { href: "#job=" + encodeURIComponent(run.jobId), class: "job-link" }, run.jobId);
  return el("tr", { "data-run": run.id, "data-id": run.jobId },
    el("td", {}, run.enqueued ? link : "", run.enqueued ? el("code", {}, run.jobId) : link,
      el("div", { class: "describe" }, run.task)),
    el("td", {}, when(run.fireTime)),
    el("td", { class: "outcome " + run.outcome }, run.outcome),
    el("td", {}, run.attempts),
    el("td", {}, when(run.finishedAt)),
    el("td", {}, run.node),
    el("td", {}, error),
    el("td", { class: "admin" }, run.enqueued ? el("button", { "data-action": "requeue", "data-id": run.jobId }, "Requeue") : ""));
}

/** The newest failed runs (with {@code after}: the next page, appended); answers the page. */
async function loadFailed(after) {
  const newest = ask(after ? "failed-more" : "failed");
  const page = await api("GET", "api/history?" + FAILED + (after ? "&after=" + encodeURIComponent(after) : ""));
  if (!newest()) return page;
  const rows = page.runs.map(failedRow);
  if (after) $("failed").append(...rows);
  else $("failed").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "8", class: "muted" }, "no failed runs"))]));
  state.failedNext = page.next;
  $("failed-more").hidden = !page.next;
  return page;
}

/**
 * A run failed: the event comes before the store has written it, so the list is asked again, a little
 * later each time, until it shows a run of that job that ended no earlier than the event.
 */
async function refreshFailed(e) {
  const ended = Date.parse(e.time);
  await askUntil(() => loadFailed().catch(() => null),
      page => page != null && page.runs.some(r => r.jobId === e.jobId && Date.parse(r.finishedAt) >= ended));
}

async function requeue(button) {
  const id = button.dataset.id;
  try {
    const execution = await api("POST", "api/execution/retry" + q(id));
    button.replaceWith(el("span", { class: "requeued " + execution.state }, "requeued: " + execution.state));
    say("requeued " + id + ": " + execution.state, true);
    showExecution(execution);
  } catch (e) {
    say(e.message);
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
    const execution = await api("POST", "api/executions", body);
    $("enqueued").replaceChildren(el("code", { class: "execution-id" }, execution.id), " ",
      el("span", { class: "state " + execution.state }, execution.state));
    say("enqueued " + execution.task + " as " + execution.id, true);
    showExecution(execution);
  } catch (e) {
    say(e.message);
  }
}

/** Shows an execution in the look-up card, with Cancel while it has not ended. */
function showExecution(x) {
  state.executionId = x.id;
  $("lookup-form").id.value = x.id;
  const facts = [["Id", x.id], ["Task", x.task], ["State", x.state], ["Fire time", when(x.fireTime)],
    ["Attempts", x.attempts], ["Node", x.node || "—"], ["Started", when(x.startedAt)], ["Finished", when(x.finishedAt)],
    ["Outcome", x.outcome || "—"]];
  const dl = $("execution");
  dl.replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k, class: k === "State" ? x.state : "" }, v)]));
  if (x.error) dl.append(el("dt", {}, "Error"), el("dd", { "data-fact": "Error" },
    x.stackTrace ? el("details", {}, el("summary", {}, x.error), el("pre", {}, x.stackTrace)) : x.error));
  dl.hidden = false;
  $("execution-cancel").hidden = FINAL.includes(x.state);
}

async function lookUp(id) {
  const newest = ask("execution");
  const x = await api("GET", "api/execution" + q(id));
  if (newest()) showExecution(x);
  return x;
}

/** The shown execution had an event: asked again until it has ended (the store writes the end after the event). */
async function refreshExecution(id) {
  await askUntil(() => lookUp(id).catch(() => null), x => state.executionId !== id || (x != null && FINAL.includes(x.state)));
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
  if (kind !== "chime" || !data) return;
  const e = JSON.parse(data);
  if (e.scheduler) { loadScheduler().catch(() => {}); return; }
  if (e.type === "Added" || e.type === "Removed") { loadJobs().catch(() => {}); loadScheduler().catch(() => {}); }
  else if (e.type === "Executed" || (e.type === "Failed" && !e.willRetry)) {
    const ended = Date.parse(e.time);
    refreshRow(e.jobId, job => job.lastRun != null && Date.parse(job.lastRun.finishedAt) >= ended);
  } else if (e.jobId) refreshRow(e.jobId);
  if (e.type === "Executed" || (e.type === "Failed" && !e.willRetry)) refreshNodes(e.jobId);
  else if (e.type === "Failed") loadNodes().catch(() => {});
  if ((e.type === "Failed" && !e.willRetry) || e.type === "Missed") refreshFailed(e);
  if (e.jobId && e.jobId === state.executionId) refreshExecution(e.jobId);
}

async function refreshAll() {
  await Promise.all([loadScheduler(), loadJobs(), loadNodes(), loadFailed()]);
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
  $("failed").addEventListener("click", ev => {
    const b = ev.target.closest("button[data-action='requeue']");
    if (b) requeue(b);
  });
  $("failed-more").addEventListener("click", () => loadFailed(state.failedNext).catch(e => say(e.message)));
  $("enqueue-form").addEventListener("submit", enqueueTask);
  $("lookup-form").addEventListener("submit", ev => {
    ev.preventDefault();
    lookUp(ev.target.id.value.trim()).catch(e => say(e.message));
  });
  $("execution-cancel").addEventListener("click", async () => {
    try {
      const answer = await api("POST", "api/execution/cancel" + q(state.executionId));
      if (answer.execution) showExecution(answer.execution);
      say(answer.cancelled ? "cancelled " + state.executionId : state.executionId + " had already ended", answer.cancelled);
    } catch (e) {
      say(e.message);
    }
  });
  $("history-more").addEventListener("click", () => loadHistory(state.jobId, state.historyNext).catch(e => say(e.message)));
  window.addEventListener("hashchange", showView);
  if (state.token) signIn();
});
