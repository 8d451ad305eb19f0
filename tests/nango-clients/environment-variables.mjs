// `getEnvironmentVariables()`: prints the list the client returned, or `{ok: false, ...}`.
import { attempt, nango, print } from "./client.mjs";

const client = await nango();
print(await attempt(() => client.getEnvironmentVariables()));
