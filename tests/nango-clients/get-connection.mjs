// `getConnection(INTEGRATION, CONNECTION_ID)`: prints the connection, or `{ok: false, ...}`.
import { attempt, env, nango, print } from "./client.mjs";

const client = await nango();
print(await attempt(() => client.getConnection(env("INTEGRATION"), env("CONNECTION_ID"))));
