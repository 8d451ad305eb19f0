// Verifies a webhook our server sent, with both of the client's checks: WEBHOOK_BODY is the raw
// body, WEBHOOK_HEADERS a JSON object of the request's headers. Prints
// `{incoming: verifyIncomingWebhookRequest(body, headers), legacy: verifyWebhookSignature(
// X-Nango-Signature, JSON.parse(body))}`.
import { env, nango, print } from "./client.mjs";

const client = await nango();
const body = env("WEBHOOK_BODY");
const headers = JSON.parse(env("WEBHOOK_HEADERS"));
const legacyHeader = Object.keys(headers).find((name) => name.toLowerCase() === "x-nango-signature");
// verifyWebhookSignature is deprecated: silence the warning Node prints for it.
process.noDeprecation = true;
print({
  incoming: client.verifyIncomingWebhookRequest(body, headers),
  legacy: legacyHeader !== undefined && client.verifyWebhookSignature(headers[legacyHeader], JSON.parse(body)),
});
