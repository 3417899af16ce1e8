// The Domains page: plain JavaScript over the admin API, no build step and no other origin.
// Every write carries the revision the operator saw (If-Match); a conflict is shown, never retried.
"use strict";

const POLL_MS = 2000;
const state = { table: null, history: [], editing: null, mine: new Set(), token: sessionStorage.getItem("switchover-token") || "" };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body, revision) {
  const headers = { "Accept": "application/json" };
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  if (revision !== undefined) headers["If-Match"] = '"' + revision + '"';
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch("api/" + path, init);
  if (response.status === 304) return { status: 304 };
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((json && json.detail) || response.statusText);
    error.problem = json || {};
    error.status = response.status;
    throw error;
  }
  return { status: response.status, json };
}

function say(text) {
  $("status").textContent = text;
}

function alertProblem(title, error) {
  const box = $("alert");
  box.replaceChildren(el("strong", {}, title), el("span", {}, error.message));
  if (error.status === 409 && error.problem.currentRevision !== undefined) {
    box.append(el("span", {}, ". The page now shows revision " + error.problem.currentRevision + "; your choices are kept so you can review them and try again."));
  }
  box.append(" ", el("button", { type: "button", onclick: () => { box.hidden = true; } }, "Dismiss"));
  box.hidden = false;
  box.focus();
}

function clearAlert() {
  $("alert").hidden = true;
}

/** Runs a write, then refreshes at once; a refusal is shown and the page reloads the table. */
async function write(title, method, path, body, revision) {
  clearAlert();
  try {
    const result = await api(method, path, body, revision);
    if (result.json && result.json.revision !== undefined) state.mine.add(result.json.revision);
    say(title + ": done, now revision " + (result.json && result.json.revision !== undefined ? result.json.revision : "?") + ".");
    await refresh(true);
    return result;
  } catch (error) {
    alertProblem(title + " refused (" + error.status + ").", error);
    await refresh(true);
    throw error;
  }
}

// ---- rendering ---------------------------------------------------------------------------------

function previewsOf(workspace) {
  const t = state.table;
  return t.previewHosts.filter((p) => p.routes.some((r) => r.workspace === workspace)).map((p) => p.host);
}

function badge(status) {
  return el("span", { class: "badge " + status }, status);
}

function renderDomains() {
  const t = state.table;
  $("revision").textContent = t.revision;
  const body = $("domains").querySelector("tbody");
  body.replaceChildren();
  $("no-domains").hidden = t.domains.length > 0;
  for (const d of t.domains) {
    const editing = state.editing && state.editing.domain === d.name ? state.editing : null;
    const routes = el("ul", { class: "routes" });
    for (const r of d.routes) {
      const previews = previewsOf(r.workspace);
      routes.append(el("li", {}, el("code", {}, r.prefix), " → ", el("strong", {}, r.workspace),
        r.split ? el("span", { class: "canary" }, ", " + (r.split.basisPoints / 100) + "% to ", el("strong", {}, r.split.canary)) : null,
        previews.length ? el("span", { class: "muted" }, " (preview: " + previews.join(", ") + ")") : null));
    }
    if (d.routes.length === 0) routes.append(el("li", { class: "muted" }, "no routes"));
    const statusCell = el("td", {}, badge(d.status));
    if (d.challenge) {
      statusCell.append(el("div", { class: "muted" }, "TXT ", el("code", {}, d.challenge.recordName), " = ", el("code", {}, d.challenge.recordValue)));
    }
    const actions = el("div", { class: "actions" });
    if (d.routes.length > 0) {
      actions.append(el("button", { type: "button", onclick: () => startEdit(d.name), "aria-label": "Edit " + d.name }, "Edit"));
      const others = t.domains.filter((o) => o.name !== d.name && o.routes.length > 0).map((o) => o.name)
        .concat(t.previewHosts.map((p) => p.host));
      if (others.length) {
        const id = "swap-" + d.name;
        const select = el("select", { id });
        for (const o of others) select.append(el("option", { value: o }, o));
        actions.append(el("label", { for: id, class: "visually-hidden" }, "Swap " + d.name + " with"), select,
          el("button", { type: "button", onclick: () => swap(d.name, select.value), "aria-label": "Swap " + d.name + " with the chosen host" }, "Swap"));
      }
    }
    if (d.status !== "VERIFIED" && d.challenge) {
      actions.append(el("button", { type: "button", onclick: () => checkNow(d.name), "aria-label": "Check " + d.name + " now" }, "Check now"));
    }
    actions.append(el("button", { type: "button", onclick: () => removeDomain(d.name), "aria-label": "Remove " + d.name }, "Remove"));
    const actionCell = el("td", {}, actions);
    if (editing) actionCell.append(editor(d, editing));
    body.append(el("tr", { "data-domain": d.name }, el("th", { scope: "row" }, d.name), statusCell, el("td", {}, routes), actionCell));
  }
}

function editor(domain, editing) {
  const form = el("form", { class: "editor", "aria-label": "Edit routes of " + domain.name });
  for (const r of domain.routes) {
    const id = "edit-" + domain.name + "-" + r.prefix;
    const select = el("select", { id, "data-prefix": r.prefix });
    for (const w of state.table.workspaces) {
      const option = el("option", { value: w.name }, w.name);
      if ((editing.choices[r.prefix] || r.workspace) === w.name) option.selected = true;
      select.append(option);
    }
    select.addEventListener("change", () => { editing.choices[r.prefix] = select.value; });
    form.append(el("div", {}, el("label", { for: id }, "Workspace for " + r.prefix), select));
  }
  if (editing.revision !== state.table.revision) {
    form.append(el("p", { class: "muted" }, "The table changed to revision " + state.table.revision + " since you began editing at revision " + editing.revision + ". Update will be refused until you review: press Review to base your edit on the new revision."));
    form.append(el("div", { class: "actions" }, el("button", { type: "button", onclick: () => { editing.revision = state.table.revision; renderDomains(); } }, "Review")));
  }
  form.append(el("div", { class: "actions" },
    el("button", { type: "submit", class: "primary" }, "Update"),
    el("button", { type: "button", onclick: () => { state.editing = null; renderDomains(); } }, "Cancel")));
  form.addEventListener("submit", (event) => { event.preventDefault(); update(domain.name); });
  return form;
}

function renderWorkspaces(workspaces) {
  const body = $("workspaces").querySelector("tbody");
  body.replaceChildren();
  for (const w of workspaces) {
    const stateText = w.drained ? "drained" : w.routed ? "routed" : "draining";
    const previews = state.table ? previewsOf(w.name) : [];
    body.append(el("tr", { "data-workspace": w.name }, el("th", { scope: "row" }, w.name), el("td", {}, w.inFlight), el("td", {}, stateText),
      el("td", {}, previews.length ? previews.join(", ") : el("span", { class: "muted" }, "none"))));
  }
}

function renderHistory() {
  const body = $("history").querySelector("tbody");
  body.replaceChildren();
  for (const h of state.history) {
    const actions = el("td", {});
    if (!h.current) {
      actions.append(el("button", { type: "button", onclick: () => restore(h), "aria-label": "Restore the routing of revision " + h.revision }, "Restore"));
    } else {
      actions.append(el("span", { class: "muted" }, "current"));
    }
    body.append(el("tr", {}, el("th", { scope: "row" }, h.revision), el("td", {}, h.reason), el("td", {}, h.description),
      el("td", {}, h.by || "–"), el("td", {}, h.at ? new Date(h.at).toLocaleString() : "–"), actions));
  }
}

// ---- actions -----------------------------------------------------------------------------------

function startEdit(domain) {
  state.editing = { domain, revision: state.table.revision, choices: {} };
  renderDomains();
  const first = document.querySelector("form.editor select");
  if (first) first.focus();
}

async function update(domain) {
  const editing = state.editing;
  const d = state.table.domains.find((x) => x.name === domain);
  const routes = {};
  for (const r of d.routes) routes[r.prefix] = editing.choices[r.prefix] || r.workspace;
  // A route that splits with a canary changes whatever is picked: the promote ends the split.
  const changed = Object.fromEntries(Object.entries(routes).filter(([p, w]) => {
    const r = d.routes.find((x) => x.prefix === p);
    return r.workspace !== w || r.split;
  }));
  if (Object.keys(changed).length === 0) {
    say("Nothing to update: every prefix already has that workspace.");
    state.editing = null;
    renderDomains();
    return;
  }
  try {
    await write("Update " + domain, "POST", "domains/" + encodeURIComponent(domain) + "/promote", { routes: changed }, editing.revision);
    state.editing = null;
    renderDomains();
  } catch (error) {
    // The edit stays open with the operator's choices; the form says the table moved on.
    renderDomains();
  }
}

async function swap(a, b) {
  if (!confirm("Swap the workspaces behind " + a + " and " + b + "?")) return;
  await write("Swap " + a + " with " + b, "POST", "swap", { a, b }, state.table.revision).catch(() => {});
}

async function rollback() {
  const current = state.history.find((h) => h.current);
  const previous = state.history.find((h) => !h.current);
  if (!current || !previous) {
    alertProblem("Nothing to roll back.", { message: "The history holds no earlier revision.", status: 0, problem: {} });
    return;
  }
  const message = "Rollback will undo revision " + current.revision + " (" + current.description + ") and publish again the routing of revision "
    + previous.revision + " (" + previous.description + ") as revision " + (current.revision + 1) + ". Continue?";
  if (!confirm(message)) return;
  await write("Rollback", "POST", "rollback", undefined, current.revision).catch(() => {});
}

async function restore(h) {
  const revision = state.table.revision;
  if (!confirm("Publish again the routing of revision " + h.revision + " (" + h.description + ") as revision " + (revision + 1) + "?")) return;
  await write("Restore revision " + h.revision, "POST", "restore", { toRevision: h.revision }, revision).catch(() => {});
}

async function removeDomain(name) {
  if (!confirm("Remove " + name + " and all its routes?")) return;
  await write("Remove " + name, "DELETE", "domains/" + encodeURIComponent(name), undefined, state.table.revision).catch(() => {});
}

async function checkNow(name) {
  clearAlert();
  say("Checking " + name + "…");
  try {
    const result = await api("POST", "domains/" + encodeURIComponent(name) + "/check", {});
    say(name + " is " + result.json.status + ": " + result.json.reason);
  } catch (error) {
    alertProblem("Check of " + name + " refused (" + error.status + ").", error);
  }
  await refresh(true);
}

async function addDomain(event) {
  event.preventDefault();
  const name = $("add-name").value.trim();
  if (!name) return;
  try {
    const result = await write("Add " + name, "POST", "domains", { name }, state.table.revision);
    const c = result.json.challenge;
    const box = $("challenge");
    box.replaceChildren(el("p", {}, "Create this DNS record, then press Check now beside " + result.json.name + ":"),
      el("p", {}, "TXT ", el("code", {}, c.recordName), " = ", el("code", {}, c.recordValue)));
    if (c.httpUrl) box.append(el("p", { class: "muted" }, "Or serve the value at ", el("code", {}, c.httpUrl)));
    box.hidden = false;
    $("add-name").value = "";
  } catch (error) {
    // shown by write()
  }
}

// ---- following the table -----------------------------------------------------------------------

async function refresh(force) {
  try {
    const known = state.table && !force ? state.table.revision : undefined;
    const headers = {};
    const result = await (async () => {
      if (known === undefined) return api("GET", "table");
      const response = await fetch("api/table", { headers: Object.assign(headers, state.token ? { Authorization: "Bearer " + state.token } : {}, { "If-None-Match": '"' + known + '"' }), cache: "no-store" });
      if (response.status === 304) return { status: 304 };
      if (!response.ok) {
        const json = await response.json().catch(() => ({}));
        const error = new Error(json.detail || response.statusText);
        error.status = response.status;
        error.problem = json;
        throw error;
      }
      return { status: 200, json: await response.json() };
    })();
    if (result.status === 200) {
      const moved = state.table && state.table.revision !== result.json.revision;
      state.table = result.json;
      state.history = (await api("GET", "history")).json;
      renderDomains();
      renderHistory();
      if (moved && !force && !state.mine.has(state.table.revision)) say("The table changed elsewhere: now revision " + state.table.revision + " (" + state.table.description + ").");
    }
    const workspaces = await api("GET", "workspaces");
    renderWorkspaces(workspaces.json);
  } catch (error) {
    if (error.status === 401 || error.status === 403 || error.status === 429) {
      // Polling on with a refused token would only add failed authentications, and the API
      // limits those per address: wait for the operator to enter a token again.
      stopPolling();
      say("The token was refused (" + error.status + "): enter it again to follow the table.");
      return;
    }
    say("Cannot read the table: " + error.message);
  }
}

let poller = null;

function startPolling() {
  if (poller === null) poller = setInterval(() => refresh(false), POLL_MS);
}

function stopPolling() {
  if (poller !== null) {
    clearInterval(poller);
    poller = null;
  }
}

function start() {
  $("token").value = state.token;
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("switchover-token", state.token);
    refresh(true);
    startPolling();
  });
  $("rollback").addEventListener("click", rollback);
  $("add-form").addEventListener("submit", addDomain);
  $("alert").tabIndex = -1;
  refresh(true);
  startPolling();
}

document.addEventListener("DOMContentLoaded", start);
