// The demo page: loads the SDK like any app would, runs `nango.auth()`, shows the outcome.
// Every string from the server or the user is rendered with textContent, never innerHTML.
// The default export is the SDK class; `init()` only preloads the wasm (and tells us early
// when the package is not built).
import Nango, { AuthError, init } from "/sdk/nango.js";

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

function addParamRow(key = "", value = "") {
  const row = $("param-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".param-key").value = key;
  row.querySelector(".param-value").value = value;
  row.querySelector(".remove").addEventListener("click", () => row.remove());
  $("params").append(row);
}

function readParams() {
  const params = {};
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

async function showConnection(integration, connectionId) {
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
  $("failure").hidden = true;
  $("success").hidden = false;
  setStatus("connected", `“${body.connection_id}” is connected to ${body.provider_config_key}.`);
}

async function main() {
  setStatus("loading", "Loading the SDK and the server's settings…");
  $("connection-id").value = `user-${Math.random().toString(36).slice(2, 8)}`;
  $("add-param").addEventListener("click", () => addParamRow());

  let config;
  try {
    const [, response] = await Promise.all([init(), fetch("/demo/config")]);
    config = await response.json();
    if (!response.ok) throw new Error(config.error ? config.error.message : `HTTP ${response.status}`);
  } catch (error) {
    showFailure("page_not_ready", `${error.message || error}. Is the SDK built (cargo xtask build-sdk)?`);
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
      await showConnection(result.providerConfigKey, result.connectionId);
    } catch (error) {
      if (error instanceof AuthError) showFailure(error.type, error.message);
      else showFailure("unexpected_error", String(error && error.message ? error.message : error));
    } finally {
      $("connect").disabled = false;
    }
  });
}

main();
