// Shared by the scripts here: loads the installed `@nangohq/node` (from NANGO_CLIENTS_DIR, set
// by scripts/test-all.sh), builds a client for the server under test, and prints results as one
// JSON document on stdout for the Rust test that spawned the script.
import { pathToFileURL } from "node:url";
import { join } from "node:path";

// A failure prints its stack only (not axios' whole request object) and exits 1.
process.on("uncaughtException", (error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});

/** The value of the environment variable `name`; exits with a message when it is missing. */
export function env(name) {
  const value = process.env[name];
  if (value === undefined) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** `new Nango({host, secretKey})` from the published package; `options` as its 2nd argument. */
export async function nango(options) {
  const entry = join(env("NANGO_CLIENTS_DIR"), "@nangohq", "node", "dist", "index.js");
  const { Nango } = await import(pathToFileURL(entry).href);
  return new Nango({ host: env("NANGO_HOST"), secretKey: env("NANGO_SECRET_KEY") }, options);
}

/** Run `call`; an HTTP error answer (axios) becomes `{status, body}`, anything else throws. */
export async function attempt(call) {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (!error.response) throw error;
    return { ok: false, status: error.response.status, body: error.response.data };
  }
}

/** Print `value` as the script's JSON result. */
export function print(value) {
  process.stdout.write(JSON.stringify(value));
}
