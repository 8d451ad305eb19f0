// The hosted connect page (`GET /connect`): a connect session's integrations, the form for the
// picked one, the flow, and its outcome. It is the `connect_link` of a session (the token is in
// `?session_token=`) and the frame of Nango's `openConnectUI` (the parent sends the token:
// `ready` → `session_token`, then `connect` / `error` / `close` back to that parent's origin
// only). The flow runs through our own SDK (`/sdk/nango.js`): a popup inside a frame, a
// redirect through the provider and back when the page is a tab of its own (webviews, desktop
// shells and in-app browsers, where popups fail).
// Every string from the server or the user is rendered with textContent, never innerHTML.

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const embedded = window.parent !== window;
const VIEWS = ["loading", "list", "form", "waiting", "success", "error"];
const SEARCH_FROM = 6;
// The integration a redirect left for: after a failure, "Try again" goes back to its form.
const PICKED = "nango-connect-picked";

let sdk = null;
let nango = null;
let session = null;
let picked = null;
let inputs = [];
let token = null;
let parentOrigin = null;
let retry = null;

/// Show one view; the first control of the new view gets the focus (keyboard users).
function show(view, focus) {
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  document.body.dataset.view = view;
  $("back").hidden = !(view === "form" && session && session.integrations.length > 1);
  if (focus) focus.focus();
}

/// A Connect UI event for the parent frame, sent only to the origin that gave us the token.
function tell(type, payload) {
  if (!embedded || !parentOrigin) return;
  parent.postMessage(payload === undefined ? { type } : { type, payload }, parentOrigin);
}

function fail(type, message, again) {
  $("error-type").textContent = type;
  $("error-message").textContent = message;
  retry = again;
  $("retry").hidden = !again;
  show("error", again ? $("retry") : null);
}

/// What to tell a person about a session that cannot be used.
function sessionMessage(error) {
  switch (error && error.code) {
    case "unknown_connect_session_token":
      return "This link has expired or was ended. Ask the app for a new one.";
    case "invalid_connect_session_token_format":
      return "This link is not complete. Copy the whole link from the app and open it again.";
    default:
      return (error && error.message) || "The server answered something unexpected.";
  }
}

/// A letter on a colour of its own, when the catalog has no logo (or it does not load).
function logo(integration) {
  const box = document.createElement("span");
  box.className = "logo";
  box.setAttribute("aria-hidden", "true");
  const letter = () => {
    let hash = 0;
    for (const c of integration.provider) hash = (hash * 31 + c.charCodeAt(0)) % 360;
    box.style.background = `hsl(${hash} 55% 45%)`;
    box.textContent = (integration.display_name || integration.unique_key).charAt(0).toUpperCase();
  };
  if (integration.logo) {
    const image = document.createElement("img");
    image.alt = "";
    image.src = integration.logo;
    image.addEventListener("error", () => { image.remove(); letter(); });
    box.append(image);
  } else {
    letter();
  }
  return box;
}

function renderList() {
  const list = $("integrations");
  list.replaceChildren();
  for (const integration of session.integrations) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "integration";
    button.dataset.key = integration.unique_key;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = integration.display_name;
    const chevron = document.createElement("span");
    chevron.className = "chevron";
    chevron.setAttribute("aria-hidden", "true");
    chevron.textContent = "›";
    button.append(logo(integration), name, chevron);
    button.addEventListener("click", () => pick(integration));
    const item = document.createElement("li");
    item.dataset.search = `${integration.display_name} ${integration.unique_key} ${integration.provider}`.toLowerCase();
    item.append(button);
    list.append(item);
  }
  const none = session.integrations.length === 0;
  $("list-lead").textContent = none
    ? "There is nothing to connect: this session allows no integration. Ask the app to check its settings."
    : "Choose the service to connect.";
  $("search-box").hidden = session.integrations.length < SEARCH_FROM;
  filter();
}

function filter() {
  const text = $("search").value.trim().toLowerCase();
  let shown = 0;
  for (const item of $("integrations").children) {
    item.hidden = Boolean(text) && !item.dataset.search.includes(text);
    if (!item.hidden) shown += 1;
  }
  $("empty").hidden = shown > 0 || session.integrations.length === 0;
}

/// The inputs for the picked integration: its declared connection-config fields, then the
/// credentials its auth mode needs (an API key, or a username and password).
function pick(integration) {
  picked = integration;
  $("picked-logo").replaceWith(Object.assign(logo(integration), { id: "picked-logo" }));
  $("picked-name").textContent = integration.display_name;
  const fields = (integration.fields || []).map((field) => ({ ...field, group: "params" }));
  if (integration.auth_mode === "API_KEY") {
    fields.push({ key: "apiKey", title: "API key", group: "credentials", secret: true });
  } else if (integration.auth_mode === "BASIC") {
    fields.push({ key: "username", title: "Username", group: "credentials" });
    fields.push({ key: "password", title: "Password", group: "credentials", secret: true });
  }
  $("picked-hint").textContent = integration.auth_mode === "OAUTH2"
    ? "You will approve access on the provider's own page."
    : "Your credentials are stored encrypted.";
  const box = $("fields");
  box.replaceChildren();
  inputs = fields.map((field) => fieldRow(box, field));
  $("submit").disabled = false;
  show("form", inputs.length ? inputs[0].input : $("submit"));
}

function fieldRow(box, field) {
  const id = `field-${field.group}-${field.key}`;
  const row = document.createElement("div");
  row.className = "field";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = field.title || field.key;
  if (field.optional) {
    const optional = document.createElement("span");
    optional.className = "optional";
    optional.textContent = " (optional)";
    label.append(optional);
  }
  const input = document.createElement("input");
  input.id = id;
  input.name = field.key;
  input.type = field.secret ? "password" : "text";
  input.spellcheck = false;
  input.autocapitalize = "off";
  if (field.example) input.placeholder = field.example;
  const described = [];
  row.append(label, input);
  if (field.description) {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.id = `${id}-hint`;
    hint.textContent = field.description;
    row.append(hint);
    described.push(hint.id);
  }
  const error = document.createElement("p");
  error.className = "error";
  error.id = `${id}-error`;
  error.hidden = true;
  row.append(error);
  described.push(error.id);
  input.setAttribute("aria-describedby", described.join(" "));
  input.addEventListener("input", () => setError({ input, error }, ""));
  box.append(row);
  return { field, input, error };
}

function setError(entry, message) {
  entry.error.textContent = message;
  entry.error.hidden = !message;
  entry.input.setAttribute("aria-invalid", message ? "true" : "false");
}

/// A catalog `pattern` as the browser checks one (`pattern` attribute semantics: the whole
/// value, `v` flag); a pattern this browser cannot compile is left to the server.
function matches(pattern, value) {
  for (const flags of ["v", "u"]) {
    try {
      return new RegExp(`^(?:${pattern})$`, flags).test(value);
    } catch {
      // Try the next flag set.
    }
  }
  return true;
}

/// `{params, credentials}` when every field is valid; otherwise each bad field says why (by
/// its title), the first one gets the focus, and `null` is returned: no flow starts.
function readForm() {
  const params = {};
  const credentials = {};
  let first = null;
  for (const entry of inputs) {
    const { field, input } = entry;
    const value = field.secret ? input.value : input.value.trim();
    const name = field.title || field.key;
    let message = "";
    if (!value && !field.optional) {
      message = `${name} is required.`;
    } else if (value && field.pattern && !matches(field.pattern, value)) {
      message = `${name} is not valid${field.example ? `: for example ${field.example}` : ""}.`;
    } else if (value && field.allowed_values && field.allowed_values.length && !field.allowed_values.includes(value)) {
      message = `${name} must be one of ${field.allowed_values.join(", ")}.`;
    }
    setError(entry, message);
    if (message && !first) first = input;
    if (value) (field.group === "params" ? params : credentials)[field.key] = value;
  }
  if (first) {
    first.focus();
    return null;
  }
  return { params, credentials: Object.keys(credentials).length ? credentials : null };
}

function submit(event) {
  event.preventDefault();
  const values = readForm();
  if (!values) return;
  const options = {};
  if (Object.keys(values.params).length) options.params = values.params;
  if (values.credentials) options.credentials = values.credentials;
  // A tab of its own goes to the provider and back (no popup to lose); a frame opens a popup.
  // auth() opens the popup first thing, inside this submit (popup blockers).
  const redirect = !embedded && !values.credentials && typeof sdk.handleRedirect === "function";
  if (redirect) {
    options.mode = "redirect";
    options.returnTo = location.href;
    sessionStorage.setItem(PICKED, picked.unique_key);
  }
  const flow = nango.auth(picked.unique_key, options);
  $("submit").disabled = true;
  $("waiting-text").textContent = redirect
    ? "Taking you to the provider…"
    : values.credentials
      ? "Checking and saving…"
      : "Approve access in the window that opened. It closes by itself when done.";
  show("waiting");
  flow.then(connected, failed);
}

function connected(result) {
  tell("connect", { providerConfigKey: result.providerConfigKey, connectionId: result.connectionId });
  const name = picked ? picked.display_name : result.providerConfigKey;
  $("success-text").textContent = embedded
    ? `${name} is connected.`
    : `${name} is connected. You can close this page and go back to the app.`;
  $("done").hidden = !embedded;
  show("success", embedded ? $("done") : null);
}

function failed(error) {
  const type = (error && error.type) || "unknown_error";
  const message = (error && error.message) || String(error);
  tell("error", { errorType: type, errorMessage: message });
  fail(type, message, () => (picked ? pick(picked) : showList()));
}

async function start(sessionToken, origin) {
  token = sessionToken;
  show("loading");
  $("loading-text").textContent = "Loading…";
  let body = null;
  try {
    const url = origin ? `/connect/config?${new URLSearchParams({ origin })}` : "/connect/config";
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    body = await response.json();
    if (!response.ok) {
      const error = body && body.error;
      const type = (error && error.code) || "unknown_error";
      // A parent whose origin the server refused hears nothing.
      if (type !== "invalid_origin") tell("error", { errorType: type, errorMessage: sessionMessage(error) });
      fail(type, sessionMessage(error), null);
      return false;
    }
  } catch {
    fail("network_error", "The server could not be reached. Check the connection and try again.", () => start(token, origin));
    return false;
  }
  session = body;
  nango = new sdk.default({ host: location.origin, connectSessionToken: token });
  renderList();
  if (session.integrations.length === 1) pick(session.integrations[0]);
  else showList();
  return true;
}

function showList() {
  show("list", $("search-box").hidden ? $("integrations").querySelector("button") : $("search"));
}

/// The outcome a redirect brought back (`handleRedirect()` reads and clears it), if any.
function redirected() {
  if (embedded || typeof sdk.handleRedirect !== "function") return null;
  try {
    const result = sdk.handleRedirect();
    return result && { result };
  } catch (error) {
    return { error };
  }
}

async function main() {
  const theme = query.get("theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  document.body.classList.toggle("embedded", embedded);
  $("close").hidden = !embedded;
  $("close").addEventListener("click", () => tell("close"));
  $("done").addEventListener("click", () => tell("close"));
  $("back").addEventListener("click", showList);
  $("retry").addEventListener("click", () => retry && retry());
  $("search").addEventListener("input", filter);
  $("form").addEventListener("submit", submit);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && embedded) tell("close");
  });

  try {
    sdk = await import("/sdk/nango.js");
  } catch {
    fail("sdk_not_built", "This server cannot load its browser SDK (/sdk/nango.js). Its operator needs to build it.", null);
    tell("error", { errorType: "sdk_not_built", errorMessage: "the connect page could not load /sdk/nango.js" });
    return;
  }

  const inUrl = query.get("session_token");
  if (inUrl) {
    const returned = redirected();
    if (!(await start(inUrl, null)) || !returned) return;
    const key = returned.result ? returned.result.providerConfigKey : sessionStorage.getItem(PICKED);
    sessionStorage.removeItem(PICKED);
    picked = session.integrations.find((i) => i.unique_key === key) || null;
    if (returned.result) connected(returned.result);
    else failed(returned.error);
    return;
  }
  if (!embedded) {
    fail("missing_connect_session_token", "This link has no session. Open the link the app gave you, in full.", null);
    return;
  }
  // Inside Connect UI: the parent sends the token once we say we are ready. Only our parent
  // window counts; its origin is checked by the server and is the only one we answer.
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== window.parent || token || !data || data.type !== "session_token") return;
    if (typeof data.sessionToken !== "string" || !data.sessionToken) return;
    parentOrigin = event.origin;
    start(data.sessionToken, event.origin);
  });
  $("loading-text").textContent = "Waiting for the app…";
  parent.postMessage({ type: "ready" }, "*");
}

main();
