// The REST API of this server, called with the session cookie (sent by the browser, never
// readable here) and, for state changes, the session's CSRF token in `X-Nango-Csrf`.

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** `method path` with an optional JSON body; resolves the JSON answer (null for 204). */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-Nango-Csrf'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    let message = error.message || `HTTP ${response.status}`;
    if (Array.isArray(data && data.error && data.error.errors)) {
      message += ': ' + data.error.errors.map((e) => `${(e.path || []).join('.')} ${e.message}`).join('; ');
    }
    if (response.status === 429) {
      message = `Too many attempts: retry in ${response.headers.get('Retry-After') || 'a few'} seconds.`;
    }
    throw new ApiError(response.status, error.code || `http_${response.status}`, message, data);
  }
  return data;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** `/connection/{id}?provider_config_key=..` and its sub-paths. */
export function connectionPath(integration, connectionId, suffix = '', params = {}) {
  return `/connection/${encodeURIComponent(connectionId)}${suffix}${query({ provider_config_key: integration, ...params })}`;
}
