// One connection: its config, metadata editor (JSON, checked before it is sent), credentials
// masked until revealed (each read is logged by the server), refresh now, status history,
// and deletion with confirmation.

import { api, connectionPath } from './api.js';
import { h, render, notice, say, badge, when, secret, confirmDialog, field } from './ui.js';

export async function detail(integration, connectionId) {
  const [connection, history] = await Promise.all([
    api('GET', connectionPath(integration, connectionId)),
    api('GET', connectionPath(integration, connectionId, '/events')),
  ]);
  const status = notice();
  const facts = h('dl', { class: 'facts', id: 'connection-facts' },
    h('dt', {}, 'Integration'), h('dd', {}, h('a', { href: `#/integrations/${encodeURIComponent(integration)}` }, integration)),
    h('dt', {}, 'Provider'), h('dd', {}, connection.provider),
    h('dt', {}, 'Status'), h('dd', { id: 'connection-status' }, badge(connection.status), connection.status_reason ? ` ${connection.status_reason}` : ''),
    h('dt', {}, 'End user'), h('dd', {}, connection.end_user ? JSON.stringify(connection.end_user) : '—'),
    h('dt', {}, 'Created'), h('dd', {}, when(connection.created_at)),
    h('dt', {}, 'Last refresh'), h('dd', { id: 'last-refresh' }, when(connection.last_refresh_at)),
    h('dt', {}, 'Expires'), h('dd', { id: 'expires-at' }, when(connection.credentials && connection.credentials.expires_at)));

  const credentialFields = Object.keys(connection.credentials || {}).filter((name) => !['type', 'raw'].includes(name));
  const credentials = h('div', { class: 'card', id: 'credentials' }, h('h2', {}, 'Credentials'),
    h('p', { class: 'muted' }, `Type ${(connection.credentials || {}).type || '—'}. Values stay hidden until revealed; every read is logged.`),
    credentialFields.map((name) => h('div', { class: 'field' }, h('span', { class: 'label' }, name),
      secret(name, async () => {
        const fresh = await api('GET', connectionPath(integration, connectionId, '', { refresh_token: 'true' }));
        const value = fresh.credentials && fresh.credentials[name];
        return typeof value === 'string' ? value : JSON.stringify(value);
      }))));

  const metadata = h('textarea', { id: 'metadata', spellcheck: 'false' }, JSON.stringify(connection.metadata || {}, null, 2));
  const metadataStatus = notice();
  const metadataForm = h('form', { class: 'card', id: 'metadata-form' }, h('h2', {}, 'Metadata'),
    field('Metadata (a JSON object; saving replaces it)', metadata),
    h('button', { type: 'submit', id: 'save-metadata' }, 'Save metadata'), metadataStatus);
  metadataForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    let value;
    try {
      value = JSON.parse(metadata.value);
    } catch (error) {
      return say(metadataStatus, `Not valid JSON: ${error.message}`, 'error');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return say(metadataStatus, 'The metadata must be a JSON object ({…}).', 'error');
    }
    say(metadataStatus, 'Saving…');
    try {
      await api('POST', connectionPath(integration, connectionId, '/metadata'), value);
      say(metadataStatus, 'Metadata saved.', 'ok');
    } catch (error) {
      say(metadataStatus, error.message, 'error');
    }
  });

  const refresh = h('button', { type: 'button', id: 'refresh-now', class: 'secondary' }, 'Refresh now');
  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    try {
      const fresh = await api('GET', connectionPath(integration, connectionId, '', { force_refresh: 'true' }));
      document.getElementById('last-refresh').textContent = when(fresh.last_refresh_at);
      document.getElementById('expires-at').textContent = when(fresh.credentials && fresh.credentials.expires_at);
      say(status, `Refreshed at ${when(fresh.last_refresh_at)}.`, 'ok');
    } catch (error) {
      say(status, error.message, 'error');
    } finally {
      refresh.disabled = false;
    }
  });
  const remove = h('button', { type: 'button', id: 'delete-connection', class: 'danger' }, 'Delete connection');
  remove.addEventListener('click', async () => {
    const body = h('p', {}, `The connection ${connectionId} of ${integration} and its credentials will be deleted. The end user will have to connect again.`);
    if (!(await confirmDialog(`Delete ${connectionId}?`, body, 'Delete'))) return;
    try {
      await api('DELETE', connectionPath(integration, connectionId));
      location.hash = `#/connections?integration=${encodeURIComponent(integration)}`;
    } catch (error) {
      say(status, error.message, 'error');
    }
  });

  const events = history.events.length
    ? h('ol', { id: 'status-history' }, history.events.map((e) => h('li', {}, `${when(e.at)}: ${e.from} → ${e.to}`, e.reason ? ` (${e.reason})` : '')))
    : h('p', { id: 'status-history' }, 'No status change yet: it has been ', badge(history.status), ' since it was created.');

  render(connectionId,
    h('div', { class: 'card' }, facts, h('div', { class: 'row' }, refresh, remove), status),
    h('div', { class: 'card' }, h('h2', {}, 'Connection config'), h('pre', { id: 'connection-config' }, JSON.stringify(connection.connection_config || {}, null, 2))),
    metadataForm, credentials,
    h('div', { class: 'card' }, h('h2', {}, 'Status history'), events));
}
