// Typings for the browser SDK of the Rust Nango-style OAuth broker.

/** Where the backend runs and which environment the browser acts for. */
export interface NangoOptions {
  /** Absolute http(s) URL of the backend, e.g. "http://localhost:3003". A trailing "/" is ignored. */
  host: string;
  /** The environment's public key. */
  publicKey: string;
  /** Popup width in CSS pixels (default 500). */
  width?: number;
  /** Popup height in CSS pixels (default 600). */
  height?: number;
}

/** Credentials for integrations that need no OAuth popup. */
export type AuthCredentials = { apiKey: string } | { username: string; password: string };

export interface AuthOptions {
  /** Connection configuration, sent as `params[key]=value` (e.g. `{ subdomain: "acme" }`). */
  params?: Record<string, string | number>;
  /** Extra query parameters for the provider's authorization URL (e.g. `{ prompt: "consent" }`). */
  authorization_params?: Record<string, string | number>;
  /** Hex HMAC-SHA256 of "<integrationId>:<connectionId>", computed by your backend, when HMAC is enabled. */
  hmac?: string;
  /** API key or basic credentials: stored directly, no popup. */
  credentials?: AuthCredentials;
}

export interface AuthResult {
  providerConfigKey: string;
  connectionId: string;
}

/** Error types raised by the SDK itself; the backend's codes pass through as sent. */
export type AuthErrorType =
  | "blocked_by_browser"
  | "window_closed"
  | "invalid_host_url"
  | "missing_public_key"
  | "missing_integration_id"
  | "missing_connection_id"
  | "flow_in_progress"
  | "timeout"
  | "network_error"
  | "invalid_hmac"
  | "missing_hmac"
  | "unknown_integration"
  | "invalid_connection_config"
  | "token_exchange_failed"
  | "provider_denied"
  | "state_invalid"
  | (string & {});

/** Every rejection of `auth()` and every error thrown by `new Nango()`. */
export class AuthError extends Error {
  constructor(type: AuthErrorType, message: string);
  readonly name: "AuthError";
  readonly type: AuthErrorType;
}

export class Nango {
  /** @throws {AuthError} `missing_public_key` or `invalid_host_url`. */
  constructor(options: NangoOptions);
  /**
   * Connects `connectionId` of integration `integrationId`. Call it directly from a click
   * handler: the popup opens synchronously, before anything is awaited.
   * @returns the connection, or rejects with an {@link AuthError}.
   */
  auth(integrationId: string, connectionId: string, options?: AuthOptions): Promise<AuthResult>;
  /** Frees the wasm memory of this instance (optional). */
  free(): void;
}

export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;

/**
 * Loads the wasm. Without an argument it fetches `nango_bg.wasm` next to `nango.js`.
 * Call once, before `new Nango()`.
 */
export default function init(input?: { module_or_path: InitInput } | InitInput): Promise<unknown>;

/** Synchronous variant of `init` for an already fetched module or bytes. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
