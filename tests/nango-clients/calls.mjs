// Calls methods of `@nangohq/node` one after another: CALLS is a JSON array of
// `[method, [arguments...]]` (a `null` argument is passed as `undefined`). Prints one result per call, in order: `{ok: true, value}` or,
// for an HTTP error answer, `{ok: false, status, body}`. A method that answers an axios
// response (setMetadata, deleteConnection, ...) is printed as `{status, data}`.
import { attempt, env, nango, print } from "./client.mjs";

const client = await nango();
const calls = JSON.parse(env("CALLS"));
const results = [];
for (const [method, args] of calls) {
  if (typeof client[method] !== "function") throw new Error(`@nangohq/node has no method ${method}`);
  const given = args.map((arg) => (arg === null ? undefined : arg));
  const result = await attempt(() => client[method](...given));
  const value = result.value;
  if (result.ok && value && typeof value === "object" && "data" in value && "headers" in value && "status" in value) {
    result.value = { status: value.status, data: value.data };
  }
  results.push(result);
}
print(results);
