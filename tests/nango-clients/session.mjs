// `createConnectSession(SESSION_BODY)` or, with SESSION_METHOD=createReconnectSession,
// `createReconnectSession(SESSION_BODY)`: prints the answer, or `{ok: false, status, body}`.
import { attempt, env, nango, print } from "./client.mjs";

const method = process.env.SESSION_METHOD ?? "createConnectSession";
if (!["createConnectSession", "createReconnectSession"].includes(method)) {
  throw new Error(`SESSION_METHOD ${method} is not a session method`);
}
const client = await nango();
print(await attempt(() => client[method](JSON.parse(env("SESSION_BODY")))));
