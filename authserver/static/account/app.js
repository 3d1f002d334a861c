// The account page: a first-party client in refresh-cookie mode.
// The access token lives in this variable only: never in localStorage, sessionStorage or a
// cookie. The refresh token is an HttpOnly cookie this script cannot read; /refresh rotates it.
"use strict";

const CLIENT_ID = document.body.dataset.clientId;
const SCOPE = document.body.dataset.scope;
let accessToken = null;
let refreshing = null;

class SessionEnded extends Error {}

const $ = (id) => document.getElementById(id);

function show(section, message) {
  $("signin").hidden = section !== "signin";
  $("account").hidden = section !== "account";
  $("message").hidden = !message;
  $("message").textContent = message || "";
}

function signedOut(message) {
  accessToken = null;
  // nothing of the signed-out user stays in the page, not even hidden
  for (const id of ["profile-name", "profile-email", "profile-sub"]) $(id).textContent = "";
  $("sessions").replaceChildren();
  $("apps").replaceChildren();
  show("signin", message);
}

// One refresh at a time: calls that meet a 401 together share it.
function refresh() {
  if (!refreshing) {
    refreshing = fetch("/refresh", {
      method: "POST", credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
    }).then(async (response) => {
      accessToken = response.ok ? (await response.json()).access_token : null;
      return response.ok;
    }).catch(() => false).finally(() => { refreshing = null; });
  }
  return refreshing;
}

// fetch with the access token; on 401, refresh once and retry; if that fails, sign in again.
async function api(path, options = {}) {
  const call = () => fetch(path, {
    ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${accessToken}` },
  });
  let response = await call();
  if (response.status === 401) {
    if (!(await refresh())) {
      signedOut("Your session has ended. Please sign in again.");
      throw new SessionEnded();
    }
    response = await call();
    if (response.status === 401) {
      signedOut("Your session has ended. Please sign in again.");
      throw new SessionEnded();
    }
  }
  return response;
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}

function sessionRow(session) {
  const row = document.createElement("tr");
  row.dataset.sessionId = session.id;
  if (session.current) row.className = "current";
  const cells = [session.client + (session.current ? " (this browser)" : ""),
                 when(session.created_at), when(session.last_used_at), session.user_agent || ""];
  for (const text of cells) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.appendChild(cell);
  }
  const action = document.createElement("td");
  if (!session.current) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "revoke";
    button.textContent = "Sign out";
    button.addEventListener("click", () => guarded(async () => {
      await api(`/account/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE" });
      await loadAccount();
    }));
    action.appendChild(button);
  }
  row.appendChild(action);
  return row;
}

// A connected app: who, what it may do, since when, and a button to take it all back.
function appItem(app) {
  const item = document.createElement("li");
  item.dataset.clientId = app.client_id;
  const name = document.createElement("strong");
  name.textContent = app.client || app.client_id;
  const since = document.createElement("span");
  since.className = "since";
  since.textContent = ` · allowed ${when(app.granted_at)}`;
  const scopes = document.createElement("ul");
  for (const scope of app.scopes) {
    const line = document.createElement("li");
    line.textContent = scope.description;
    scopes.appendChild(line);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "revoke-app";
  button.textContent = "Remove access";
  button.setAttribute("aria-label", `Remove access for ${name.textContent}`);
  button.addEventListener("click", () => guarded(async () => {
    await api(`/account/consents/${encodeURIComponent(app.client_id)}`, { method: "DELETE" });
    await loadAccount();
  }));
  item.append(name, since, scopes, button);
  return item;
}

async function loadAccount() {
  const profile = await (await api("/userinfo")).json();
  $("profile-name").textContent = profile.name || "";
  $("profile-email").textContent = profile.email || "";
  $("profile-sub").textContent = profile.sub;
  const { sessions } = await (await api("/account/sessions")).json();
  $("sessions").replaceChildren(...sessions.map(sessionRow));
  const { consents } = await (await api("/account/consents")).json();
  $("apps").replaceChildren(...consents.map(appItem));
  $("apps-empty").hidden = consents.length > 0;
  show("account");
}

// Run an action; a SessionEnded has already sent the user back to the sign-in form.
async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof SessionEnded)) show($("account").hidden ? "signin" : "account",
                                               "Something went wrong. Try again.");
  }
}

async function signIn(event) {
  event.preventDefault();
  const response = await fetch("/token", {
    method: "POST", credentials: "same-origin",
    body: new URLSearchParams({
      grant_type: "password", client_id: CLIENT_ID, scope: SCOPE,
      username: $("email").value, password: $("password").value,
    }),
  });
  $("password").value = "";
  if (!response.ok) {
    show("signin", response.status === 429 ? "Too many attempts. Wait a moment."
                                            : "Wrong email or password.");
    return;
  }
  accessToken = (await response.json()).access_token;
  await guarded(loadAccount);
}

async function signOut() {
  await fetch("/refresh", {
    method: "DELETE", credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
  });
  signedOut("You have signed out.");
}

$("signin").addEventListener("submit", signIn);
$("reload").addEventListener("click", () => guarded(loadAccount));
$("signout").addEventListener("click", signOut);
$("signout-others").addEventListener("click", () => guarded(async () => {
  await api("/account/sessions", { method: "DELETE" });
  await loadAccount();
}));

(async () => {
  if (await refresh()) await guarded(loadAccount);
  else show("signin");
})();
