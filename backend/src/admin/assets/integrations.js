// Integrations: the list, creation from the searchable catalog, editing and deletion
// (`/integrations`, `/providers`, `/environment` for the callback URL to register).

import { api, query } from './api.js';
import { h, render, field, notice, say, copyButton, confirmDialog, logo, empty } from './ui.js';

export async function list() {
  const { data } = await api('GET', '/integrations');
  const create = h('a', { class: 'button', href: '#/integrations/new', id: 'new-integration' }, 'New integration');
  if (!data.length) {
    return render('Integrations', empty('No integrations yet. An integration is your app at a provider (its client id and secret): create one from the catalog.', create));
  }
  const items = data.map((integration) => h('li', { 'data-key': integration.unique_key },
    logo(integration.logo, integration.display_name),
    h('div', { class: 'grow' },
      h('a', { href: `#/integrations/${encodeURIComponent(integration.unique_key)}` }, integration.display_name),
      h('div', { class: 'muted' }, h('code', {}, integration.unique_key), ' · ', integration.provider)),
    h('a', { href: `#/connections?integration=${encodeURIComponent(integration.unique_key)}` }, 'Connections')));
  render('Integrations', h('div', { class: 'row spread' }, h('p', { class: 'muted' }, `${data.length} integration(s)`), create),
    h('ul', { class: 'list', id: 'integrations' }, items));
}

async function callbackUrl() {
  const environment = await api('GET', '/environment');
  return environment.callback_url || environment.default_callback_url;
}

function callbackCard(url) {
  return h('div', { class: 'card' },
    h('h2', {}, 'Callback URL'),
    h('p', {}, 'Register this redirect URL in the provider’s developer console:'),
    h('div', { class: 'secret' }, h('code', { id: 'callback-url' }, url), copyButton(url)));
}

export async function catalog() {
  const search = h('input', { type: 'search', id: 'catalog-search', placeholder: 'github, slack, …', autocomplete: 'off' });
  const results = h('ul', { class: 'catalog', id: 'catalog', 'aria-live': 'polite' });
  const form = h('div', { id: 'create' });
  let timer = null;
  const load = async () => {
    const { data } = await api('GET', `/providers${query({ search: search.value.trim() })}`);
    results.replaceChildren(...(data.length ? data.slice(0, 60).map((provider) => h('li', {},
      h('button', { type: 'button', 'data-provider': provider.name, onclick: () => showForm(form, provider) },
        logo(provider.logo_url, provider.display_name),
        h('span', {}, h('strong', {}, provider.display_name), h('br'), h('span', { class: 'muted' }, provider.auth_mode))))) :
      [h('li', { class: 'muted' }, 'No provider matches. Try another name, or add it to NANGO_PROVIDERS_FILE.')]));
  };
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(load, 200);
  });
  render('New integration', h('p', {}, 'Pick the provider, then give your app’s client credentials.'),
    field('Search the catalog', search), results, form);
  await load();
}

async function showForm(container, provider) {
  const oauth = provider.auth_mode === 'OAUTH2';
  const key = h('input', { type: 'text', id: 'unique-key', value: provider.name, required: true });
  const displayName = h('input', { type: 'text', id: 'display-name', placeholder: provider.display_name });
  const clientId = h('input', { type: 'text', id: 'client-id', autocomplete: 'off' });
  const clientSecret = h('input', { type: 'password', id: 'client-secret', autocomplete: 'new-password' });
  const scopes = h('input', { type: 'text', id: 'scopes', placeholder: (provider.default_scopes || []).join(',') });
  const status = notice();
  const fields = Object.entries(provider.connection_config || {}).filter(([, param]) => !param.automated && !param.hidden);
  const form = h('form', { id: 'integration-form', class: 'card' },
    h('h2', {}, logo(provider.logo_url, provider.display_name), ' ', provider.display_name),
    h('p', { class: 'muted' }, `Auth mode ${provider.auth_mode}. `,
      provider.docs ? h('a', { href: provider.docs, target: '_blank', rel: 'noopener noreferrer' }, 'Provider docs') : null),
    fields.length ? h('div', {}, h('p', { class: 'label' }, 'Each connection asks for:'),
      h('ul', {}, fields.map(([name, param]) => h('li', {}, h('code', {}, name), ` — ${param.title || ''} ${param.description || ''}`)))) : null,
    field('Unique key', key, 'The name your code uses (provider_config_key).'),
    field('Display name (optional)', displayName),
    oauth ? [field('Client id', clientId), field('Client secret', clientSecret),
      field('Scopes (comma-separated, optional)', scopes)] : null,
    h('button', { type: 'submit', id: 'create-integration' }, 'Create integration'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { unique_key: key.value.trim(), provider: provider.name };
    if (displayName.value.trim()) body.display_name = displayName.value.trim();
    if (oauth && (clientId.value.trim() || clientSecret.value)) {
      body.credentials = { type: 'OAUTH2', client_id: clientId.value.trim(), client_secret: clientSecret.value };
    }
    if (oauth && scopes.value.trim()) body.scopes = scopes.value.trim();
    try {
      await api('POST', '/integrations', body);
      location.hash = `#/integrations/${encodeURIComponent(body.unique_key)}`;
    } catch (error) {
      say(status, error.message, 'error');
    }
  });
  container.replaceChildren(form, oauth ? callbackCard(await callbackUrl()) : '');
  key.focus();
}

export async function edit(key) {
  const path = `/integrations/${encodeURIComponent(key)}`;
  const { data } = await api('GET', `${path}?include=credentials`);
  const credentials = data.credentials || null;
  const displayName = h('input', { type: 'text', id: 'display-name', value: data.display_name });
  const clientId = h('input', { type: 'text', id: 'client-id', autocomplete: 'off', value: credentials && credentials.client_id });
  const clientSecret = h('input', { type: 'password', id: 'client-secret', autocomplete: 'new-password', value: credentials && credentials.client_secret });
  const scopes = h('input', { type: 'text', id: 'scopes', value: (data.scopes || []).join(',') });
  const status = notice();
  const form = h('form', { id: 'integration-form', class: 'card' },
    field('Display name', displayName),
    credentials ? [field('Client id', clientId), field('Client secret', clientSecret), field('Scopes (comma-separated)', scopes)] : null,
    h('button', { type: 'submit', id: 'save-integration' }, 'Save'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { display_name: displayName.value.trim() || null };
    if (credentials && clientId.value.trim() && clientSecret.value) {
      body.credentials = { type: 'OAUTH2', client_id: clientId.value.trim(), client_secret: clientSecret.value };
      body.scopes = scopes.value.split(',').map((scope) => scope.trim()).filter(Boolean);
    }
    say(status, 'Saving…');
    try {
      await api('PATCH', path, body);
      say(status, 'Saved.', 'ok');
    } catch (error) {
      say(status, error.message, 'error');
    }
  });
  const remove = h('button', { type: 'button', class: 'danger', id: 'delete-integration' }, 'Delete integration');
  remove.addEventListener('click', () => deleteIntegration(key, path, status));
  render(data.display_name,
    h('p', { class: 'muted' }, h('code', {}, data.unique_key), ` · provider ${data.provider} · `,
      h('a', { href: `#/connections?integration=${encodeURIComponent(key)}` }, 'its connections')),
    form, credentials ? callbackCard(await callbackUrl()) : null,
    h('div', { class: 'card' }, h('h2', {}, 'Delete'), h('p', {}, 'Deleting the integration deletes its connections.'), remove));
}

async function deleteIntegration(key, path, status) {
  const page = await api('GET', `/connection${query({ integrationId: key, limit: 20 })}`);
  const ids = page.connections.map((c) => c.connection_id);
  const body = ids.length
    ? h('div', {}, h('p', {}, 'These connections will be deleted too:'),
      h('ul', { id: 'doomed-connections' }, ids.map((id) => h('li', {}, h('code', {}, id)))),
      page.next_cursor ? h('p', {}, '…and more.') : null)
    : h('p', {}, 'It has no connections.');
  if (!(await confirmDialog(`Delete ${key}?`, body, 'Delete'))) return;
  try {
    await api('DELETE', path);
    location.hash = '#/integrations';
  } catch (error) {
    say(status, error.message, 'error');
  }
}
