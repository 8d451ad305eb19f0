// Runs CALLS, a JSON array of `[method, ...args]` for the integration and provider methods of
// `@nangohq/node`, in order on one client, and prints one result per call: `{ok: true, value}`
// or `{ok: false, status, body}`.
import { attempt, env, nango, print } from "./client.mjs";

const METHODS = new Set([
  "listIntegrations",
  "getIntegration",
  "createIntegration",
  "createQuickstartIntegration",
  "updateIntegration",
  "deleteIntegration",
  "listProviders",
  "getProvider",
]);

const client = await nango();
const results = [];
for (const [method, ...args] of JSON.parse(env("CALLS"))) {
  if (!METHODS.has(method)) throw new Error(`${method} is not an integration or provider method`);
  const result = await attempt(() => client[method](...args));
  // `deleteIntegration` returns axios' whole response: keep its status and body.
  if (result.ok && method === "deleteIntegration") {
    result.value = { status: result.value.status, data: result.value.data };
  }
  results.push(result);
}
print(results);
