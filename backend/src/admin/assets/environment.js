// The environment: keys (masked, reveal, copy), callback URL with its self-test, HMAC,
// webhook URL with a test event, allowed origins (`/environment`, `/environment/keys`,
// `/environment/callback-check`, `/webhooks/test`).

import { api } from './api.js';
import { h, render, field, notice, say, secret, copyButton } from './ui.js';

/** A form that PATCHes `/environment` with `body()` and says how it went. */
function settingsForm(id, title, fields, body, after) {
  const status = notice();
  const form = h('form', { class: 'card', id }, h('h2', {}, title), fields,
    h('button', { type: 'submit', id: `${id}-save` }, 'Save'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const patch = body();
      say(status, 'Saving…');
      await api('PATCH', '/environment', patch);
      say(status, 'Saved.', 'ok');
      if (after) after(patch);
    } catch (error) {
      say(status, error.message, 'error');
    }
  });
  return form;
}

export async function settings() {
  const environment = await api('GET', '/environment');
  const keys = h('div', { class: 'card', id: 'keys' }, h('h2', {}, 'Keys'),
    h('div', { class: 'field' }, h('span', { class: 'label' }, 'Public key (for the browser SDK)'),
      h('div', { class: 'secret' }, h('code', { id: 'public-key' }, environment.public_key), copyButton(environment.public_key))),
    h('div', { class: 'field' }, h('span', { class: 'label' }, 'Secret key (for your backend; revealing it is logged)'),
      secret('Secret key', async () => (await api('GET', '/environment/keys')).secret_key)));

  const callback = h('input', { type: 'url', id: 'callback-url', value: environment.callback_url || '', placeholder: environment.default_callback_url });
  const checkStatus = notice();
  checkStatus.id = 'callback-check-result';
  const check = h('button', { type: 'button', id: 'callback-check', class: 'secondary' }, 'Run the self-test');
  check.addEventListener('click', async () => {
    say(checkStatus, 'Testing…');
    try {
      const verdict = await api('POST', '/environment/callback-check');
      say(checkStatus, verdict.ok ? `Passed: ${verdict.detail}` : `Failed: ${verdict.detail} — ${verdict.fix}`, verdict.ok ? 'ok' : 'error');
      checkStatus.dataset.result = verdict.ok ? 'pass' : 'fail';
    } catch (error) {
      say(checkStatus, error.message, 'error');
    }
  });
  const callbackForm = settingsForm('callback-form', 'Callback URL', [
    h('p', {}, 'Empty: this server’s own ', h('code', {}, environment.default_callback_url),
      '. A page of your app must redirect (308/307/302) to it, keeping the query.'),
    field('Callback URL', callback),
  ], () => ({ callback_url: callback.value.trim() || null }));
  callbackForm.append(h('div', { class: 'row' }, check), checkStatus);

  const hmacOn = h('input', { type: 'checkbox', id: 'hmac-enabled', checked: environment.hmac_enabled });
  const hmacKey = h('input', { type: 'password', id: 'hmac-key', value: environment.hmac_key || '', autocomplete: 'new-password' });
  const hmacForm = settingsForm('hmac-form', 'HMAC', [
    h('p', {}, 'With HMAC on, a flow started with the public key needs the digest your backend computes (GET /environment/hmac).'),
    h('div', { class: 'row field' }, hmacOn, h('label', { for: 'hmac-enabled' }, 'Require an HMAC digest')),
    field('HMAC key (at least 16 characters)', hmacKey),
  ], () => ({ hmac_enabled: hmacOn.checked, hmac_key: hmacKey.value || null }));

  const webhook = h('input', { type: 'url', id: 'webhook-url', value: environment.webhook_url || '' });
  const testStatus = notice();
  testStatus.id = 'webhook-test-result';
  const test = h('button', { type: 'button', id: 'send-test-webhook', class: 'secondary' }, 'Send test event');
  test.addEventListener('click', async () => {
    say(testStatus, 'Sending…');
    try {
      const result = await api('POST', '/webhooks/test');
      say(testStatus, result.delivered ? `Delivered: the receiver answered ${result.status_code} in ${result.latency_ms} ms.`
        : `Not delivered: ${result.error || `the receiver answered ${result.status_code}`}.`, result.delivered ? 'ok' : 'error');
    } catch (error) {
      say(testStatus, error.message, 'error');
    }
  });
  const webhookForm = settingsForm('webhook-form', 'Webhooks', [
    h('p', {}, 'Connection events are POSTed here, signed. ', h('a', { href: '#/webhooks' }, 'See the deliveries.')),
    field('Webhook URL', webhook),
  ], () => ({ webhook_url: webhook.value.trim() || null }));
  webhookForm.append(h('div', { class: 'row' }, test), testStatus);

  const origins = h('textarea', { id: 'allowed-origins', spellcheck: 'false', rows: 4 }, (environment.allowed_origins || []).join('\n'));
  const originsForm = settingsForm('origins-form', 'Allowed origins', [
    field('One origin a line (https://app.example.com); empty allows any', origins),
  ], () => ({ allowed_origins: origins.value.split(/\s+/).filter(Boolean) }));

  render(`Environment ${environment.name}`, keys, callbackForm, hmacForm, webhookForm, originsForm);
}
