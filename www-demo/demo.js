// The demo page: loads the SDK like any app would, runs `nango.auth()`, shows the outcome.
// Every string from the server or the user is rendered with textContent, never innerHTML.
// The SDK is imported dynamically: a static import that fails (package not built, or not
// served) would stop this script before it could say so. Its default export is the SDK
// class; `init()` only preloads the wasm.

const $ = (id) => document.getElementById(id);

const STATES = {
  idle: "Idle",
  loading: "Loading…",
  waiting: "Waiting for the popup…",
  connected: "Connected",
  failed: "Failed",
};

function setStatus(state, text) {
  const badge = $("status");
  badge.dataset.state = state;
  badge.textContent = STATES[state];
  $("status-text").textContent = text;
}

function showFailure(type, message) {
  $("success").hidden = true;
  $("failure").hidden = false;
  $("error-type").textContent = type;
  $("error-message").textContent = message;
  setStatus("failed", "The connection was not made.");
}

/// The package is missing: say so on the page, with the server's own words when it has some.
async function showSdkMissing(error) {
  let detail = String(error && error.message ? error.message : error);
  try {
    const response = await fetch("/sdk/nango.js");
    const body = await response.json();
    if (body.error && body.error.message) detail = body.error.message;
  } catch {
    // Not our JSON error: keep the browser's message.
  }
  $("sdk-missing-detail").textContent = detail;
  $("sdk-missing").hidden = false;
  setStatus("failed", "The browser SDK did not load, so Connect cannot run yet.");
}

/// A catalog pattern the browser can check (`pattern` compiles with the `v` flag; one that
/// does not is left to the server, which checks every value anyway).
function browserPattern(pattern) {
  if (!pattern) return null;
  try {
    new RegExp(pattern, "v");
    return pattern;
  } catch {
    return null;
  }
}

/// The picked integration's declared connection-config parameters, as form inputs.
function showFields(integration) {
  const box = $("fields");
  box.replaceChildren();
  const fields = (integration && integration.fields) || [];
  $("fields-box").hidden = fields.length === 0;
  for (const field of fields) {
    const id = `field-${field.key}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = field.title || field.key;
    const tag = document.createElement("span");
    tag.className = "optional";
    tag.textContent = field.optional ? " optional" : " required";
    label.append(tag);
    const input = document.createElement("input");
    input.id = id;
    input.dataset.key = field.key;
    input.spellcheck = false;
    input.required = !field.optional;
    const pattern = browserPattern(field.pattern);
    if (pattern) input.pattern = pattern;
    if (field.example) input.placeholder = field.example;
    if (field.allowed_values && field.allowed_values.length) {
      input.setAttribute("list", `${id}-values`);
      const list = document.createElement("datalist");
      list.id = `${id}-values`;
      for (const value of field.allowed_values) list.append(new Option(value, value));
      box.append(list);
    }
    box.append(label, input);
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = [field.description, `key: ${field.key}`].filter(Boolean).join(" · ");
    box.append(hint);
  }
}

function addParamRow(key = "", value = "") {
  const row = $("param-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".param-key").value = key;
  row.querySelector(".param-value").value = value;
  row.querySelector(".remove").addEventListener("click", () => row.remove());
  $("params").append(row);
}

function readParams() {
  const params = {};
  for (const input of $("fields").querySelectorAll("input")) {
    if (input.value.trim()) params[input.dataset.key] = input.value.trim();
  }
  for (const row of $("params").querySelectorAll(".param-row")) {
    const key = row.querySelector(".param-key").value.trim();
    if (key) params[key] = row.querySelector(".param-value").value;
  }
  return params;
}

function detail(list, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

function json(value) {
  return value && Object.keys(value).length ? JSON.stringify(value) : "—";
}

/// What the app's backend runs to read the connection: the secret key stays a shell variable.
function showCurl(host, connectionId, integration) {
  const query = new URLSearchParams({ provider_config_key: integration });
  const url = `${host.replace(/\/$/, "")}/connections/${encodeURIComponent(connectionId)}?${query}`;
  $("curl").textContent = `curl -H "Authorization: Bearer $NANGO_SECRET_KEY" \\\n  "${url}"`;
}

async function copyCurl() {
  const button = $("copy-curl");
  try {
    await navigator.clipboard.writeText($("curl").textContent);
    button.textContent = "Copied";
  } catch {
    // No clipboard access (permissions): select the text for Ctrl+C instead.
    getSelection().selectAllChildren($("curl"));
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
}

async function showConnection(host, integration, connectionId) {
  const query = new URLSearchParams({ integration });
  const response = await fetch(`/demo/connection/${encodeURIComponent(connectionId)}?${query}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  const list = $("connection");
  list.replaceChildren();
  detail(list, "Connection id", body.connection_id);
  detail(list, "Integration", body.provider_config_key);
  detail(list, "Provider", body.provider);
  detail(list, "Credentials", body.credentials.type);
  detail(list, "Access token", body.credentials.has_access_token ? "stored (encrypted)" : "none");
  detail(list, "Expires at", body.credentials.expires_at || "—");
  detail(list, "Connection config", json(body.connection_config));
  detail(list, "Metadata", json(body.metadata));
  detail(list, "Created at", body.created_at);
  showCurl(host, body.connection_id, body.provider_config_key);
  const path = [body.provider_config_key, body.connection_id].map(encodeURIComponent).join("/");
  $("admin-link").href = `${host.replace(/\/$/, "")}/admin/#/connections/${path}`;
  $("failure").hidden = true;
  $("success").hidden = false;
  setStatus("connected", `“${body.connection_id}” is connected to ${body.provider_config_key}.`);
}

async function main() {
  setStatus("loading", "Loading the SDK and the server's settings…");
  $("connection-id").value = `user-${Math.random().toString(36).slice(2, 8)}`;
  $("add-param").addEventListener("click", () => addParamRow());
  $("copy-curl").addEventListener("click", copyCurl);

  let sdk;
  try {
    sdk = await import("/sdk/nango.js");
    await sdk.init();
  } catch (error) {
    await showSdkMissing(error);
    return;
  }
  const { default: Nango, AuthError } = sdk;

  let config;
  try {
    const response = await fetch("/demo/config");
    config = await response.json();
    if (!response.ok) throw new Error(config.error ? config.error.message : `HTTP ${response.status}`);
  } catch (error) {
    showFailure("page_not_ready", `${error.message || error}. Is the server started with NANGO_DEMO=true?`);
    return;
  }

  const select = $("integration");
  select.replaceChildren();
  for (const integration of config.integrations) {
    const option = document.createElement("option");
    option.value = integration.unique_key;
    option.textContent = `${integration.unique_key} (${integration.provider})`;
    select.append(option);
  }
  if (config.integrations.some((i) => i.unique_key === config.defaultIntegration)) {
    select.value = config.defaultIntegration;
  }
  const picked = () => config.integrations.find((i) => i.unique_key === select.value);
  showFields(picked());
  select.addEventListener("change", () => showFields(picked()));
  select.disabled = config.integrations.length === 0;
  $("connect").disabled = config.integrations.length === 0;
  setStatus("idle", config.integrations.length
    ? "Nothing yet. Click Connect to start a flow."
    : "No integration is configured on this server yet.");

  const byKey = new Nango({ host: config.host, publicKey: config.publicKey });
  // "connect session" mode: the server mints the token (its secret key stays there) when the
  // mode is picked, so the click itself awaits nothing before auth() opens the popup.
  let bySession = null;
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.addEventListener("change", async () => {
      const session = $("mode-session").checked;
      $("connection-id").disabled = session;
      $("mode-hint").textContent = session
        ? "The server mints a connect session for the demo integration; it picks the connection id."
        : "The page sends the environment's public key and your connection id.";
      if (!session || bySession) return;
      $("connect").disabled = true;
      try {
        const response = await fetch("/demo/connect-session", { method: "POST" });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
        bySession = new Nango({ host: config.host, connectSessionToken: body.token });
        setStatus("idle", `Connect session ready (expires ${body.expires_at}). Click Connect.`);
      } catch (error) {
        showFailure("session_not_minted", String(error && error.message ? error.message : error));
        $("mode-public-key").click();
      } finally {
        $("connect").disabled = false;
      }
    });
  }

  $("connect-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const integration = select.value;
    const params = readParams();
    const options = Object.keys(params).length ? { params } : {};
    // auth() opens the popup first thing, inside this click (popup blockers).
    const flow = $("mode-session").checked && bySession
      ? bySession.auth(integration, options)
      : byKey.auth(integration, $("connection-id").value.trim(), options);
    $("connect").disabled = true;
    $("success").hidden = true;
    $("failure").hidden = true;
    setStatus("waiting", "Approve access in the popup window. It closes by itself when done.");
    try {
      const result = await flow;
      await showConnection(config.host, result.providerConfigKey, result.connectionId);
    } catch (error) {
      if (error instanceof AuthError) showFailure(error.type, error.message);
      else showFailure("unexpected_error", String(error && error.message ? error.message : error));
    } finally {
      $("connect").disabled = false;
    }
  });
}

main();
