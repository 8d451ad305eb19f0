// Typings for the browser SDK of the Rust Nango-style OAuth broker.

interface SizeOptions {
  /** Absolute http(s) URL of the backend, e.g. "http://localhost:3003". A trailing "/" is ignored. */
  host: string;
  /** Popup width in CSS pixels (default 500). */
  width?: number;
  /** Popup height in CSS pixels (default 600). */
  height?: number;
}

/**
 * Where the backend runs and who the browser acts for: exactly one of `publicKey` (the
 * environment's public key) or `connectSessionToken` (minted by your backend with
 * `POST /connect/sessions`); neither or both rejects `auth()` with `missing_auth_token`.
 */
export type NangoOptions =
  | (SizeOptions & { publicKey: string; connectSessionToken?: undefined })
  | (SizeOptions & { connectSessionToken: string; publicKey?: undefined });

/** Credentials for integrations that need no OAuth popup. */
export type AuthCredentials = { apiKey: string } | { username: string; password: string };

export interface AuthOptions {
  /** Connection configuration, sent as `params[key]=value` (e.g. `{ subdomain: "acme" }`). */
  params?: Record<string, string | number>;
  /** Extra query parameters for the provider's authorization URL (e.g. `{ prompt: "consent" }`). */
  authorization_params?: Record<string, string | number>;
  /** Hex HMAC-SHA256 of "<integrationId>:<connectionId>", computed by your backend, when HMAC is enabled (public key only). */
  hmac?: string;
  /** API key or basic credentials: stored directly, no popup. */
  credentials?: AuthCredentials;
  /**
   * `"redirect"`: no popup; this window goes to the provider and comes back to `returnTo`
   * with the outcome in the query (read it there with {@link handleRedirect}). The promise
   * never settles: the page is left. For webviews, in-app browsers and desktop shells.
   */
  mode?: "popup" | "redirect";
  /**
   * Redirect mode: the page to come back to (default: the current page). Its origin must be
   * in the environment's `allowed_origins`, which must not be empty (`invalid_return_to`).
   */
  returnTo?: string;
}

export interface AuthResult {
  providerConfigKey: string;
  /** The id you gave, or with a connect session the one the server picked (a UUID, or the session's). */
  connectionId: string;
  /** Passed on when the server sends it (Nango's field; this server does not send it today). */
  isPending?: boolean;
}

/** Every `type` an `AuthError` can have: the SDK's own, then the backend's codes. */
export type AuthErrorType =
  | "blocked_by_browser"
  | "window_closed"
  | "invalid_host_url"
  | "missing_auth_token"
  | "missing_connect_session_token"
  | "missing_integration_id"
  | "missing_connection_id"
  | "flow_in_progress"
  | "timeout"
  | "network_error"
  | "missing_auth_header"
  | "unknown_account"
  | "missing_public_key"
  | "invalid_public_key"
  | "missing_hmac"
  | "invalid_hmac"
  | "invalid_origin"
  | "invalid_csrf_token"
  | "invalid_return_to"
  | "provider_denied"
  | "unknown_integration"
  | "unknown_flow"
  | "unknown_webhook_event"
  | "not_found"
  | "unknown_provider"
  | "missing_client_credentials"
  | "unsupported_auth_mode"
  | "invalid_connection_id"
  | "invalid_connection_config"
  | "invalid_authorization_params"
  | "invalid_flow_id"
  | "state_invalid"
  | "invalid_request"
  | "invalid_body"
  | "invalid_query_params"
  | "integration_not_allowed"
  | "invalid_connect_session_token_format"
  | "unknown_connect_session_token"
  | "invalid_settings"
  | "webhook_url_missing"
  | "proxy_not_supported"
  | "duplicate_integration"
  | "integration_in_use"
  | "connection_needs_reauth"
  | "method_not_allowed"
  | "rate_limited"
  | "too_many_pending_flows"
  | "payload_too_large"
  | "header_too_large"
  | "unsupported_media_type"
  | "token_exchange_failed"
  | "refresh_failed"
  | "proxy_failed"
  | "proxy_timeout"
  | "internal"
  | "unavailable";

/** Every rejection of `auth()` / `reconnect()` and every error thrown by `new Nango()`. */
export class AuthError extends Error {
  constructor(type: AuthErrorType, message: string);
  readonly name: "AuthError";
  readonly type: AuthErrorType;
}

/**
 * The SDK. Works without `init()`: the first `auth()` opens the popup, then loads the wasm.
 * Call `auth()` / `reconnect()` directly from a click handler: the popup opens synchronously,
 * before anything is awaited.
 */
export class Nango {
  /**
   * @throws {AuthError} `invalid_host_url` once the module is loaded (after `init()`);
   * before, the first `auth()` rejects with it.
   */
  constructor(options: NangoOptions);
  /**
   * With a public key: connects `connectionId` of integration `integrationId`.
   * With a connect session, pass no connection id (the server picks it; one given is refused
   * with `invalid_query_params`).
   * @returns the connection, or rejects with an {@link AuthError}.
   */
  auth(integrationId: string, connectionId: string, options?: AuthOptions): Promise<AuthResult>;
  auth(integrationId: string, options?: AuthOptions): Promise<AuthResult>;
  /**
   * Re-authorizes the connection a reconnect session (`POST /connect/sessions/reconnect`) is
   * bound to; it keeps its id. Rejects `missing_connect_session_token` without a token.
   */
  reconnect(integrationId: string, options?: AuthOptions): Promise<AuthResult>;
}

export default Nango;

/**
 * On the page a redirect-mode `auth()` came back to: the outcome from the URL's query
 * (`success`, `provider_config_key`, `connection_id` / `error`, `error_description`), which it
 * also removes from the address bar. `null` when the URL carries no outcome.
 * @throws {AuthError} the flow's error (e.g. `provider_denied`).
 */
export function handleRedirect(): AuthResult | null;

export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;

/**
 * Loads the wasm ahead of the first `auth()` (optional). Without an argument it fetches
 * `nango_bg.wasm` next to `nango.js`.
 */
export function init(input?: { module_or_path: InitInput } | InitInput): Promise<unknown>;

/** Synchronous variant of `init` for an already fetched module or bytes. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
