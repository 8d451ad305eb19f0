// `createConnectSession` for a valid SESSION_BODY through a client whose requests carry a query
// string (an axios request interceptor adds `?x=1`, as an app's own interceptor might).
import { attempt, env, nango, print } from "./client.mjs";

const withQuery = (config) => ({ ...config, params: { ...config.params, x: "1" } });
const client = await nango({ interceptors: { request: withQuery } });
print(await attempt(() => client.createConnectSession(JSON.parse(env("SESSION_BODY")))));
