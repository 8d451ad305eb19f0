// `proxy(config)` for each config of the JSON array PROXY_CALLS, in order, through the
// published client: prints `[{ok, status, data, headers}]` (an HTTP error answer, which axios
// throws, becomes `ok: false` with the provider's status and body).
import { env, nango, print } from "./client.mjs";

const client = await nango();
const results = [];
for (const config of JSON.parse(env("PROXY_CALLS"))) {
  try {
    const response = await client.proxy(config);
    results.push({ ok: true, status: response.status, data: response.data, headers: response.headers.toJSON() });
  } catch (error) {
    if (!error.response) throw error;
    const { status, data, headers } = error.response;
    results.push({ ok: false, status, data, headers: headers.toJSON() });
  }
}
print(results);
