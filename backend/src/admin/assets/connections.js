// Connections: search (connection id, end user name or email) and filters (integration,
// status, end user id), by pages of the list's keyset cursor (`next_cursor`), whose cost
// does not grow with the page's depth, so a million rows stay as fast as a hundred.

import { api, query } from './api.js';
import { h, render, field, badge, when, empty } from './ui.js';

const PAGE_SIZE = 50;
const STATUSES = ['', 'ok', 'needs_reauth', 'refresh_failed'];

/** `params`: search, integration, status, end_user, cursor, and `back` (the cursors before). */
export async function list(params) {
  const filters = {
    search: params.get('search') || '',
    integration: params.get('integration') || '',
    status: params.get('status') || '',
    end_user: params.get('end_user') || '',
  };
  const cursor = params.get('cursor') || '';
  const back = (params.get('back') || '').split(',').filter(Boolean);
  const [{ data: integrations }, page] = await Promise.all([
    api('GET', '/integrations'),
    api('GET', `/connection${query({
      search: filters.search, integrationId: filters.integration, status: filters.status,
      endUserId: filters.end_user, limit: PAGE_SIZE, cursor,
    })}`),
  ]);

  const search = h('input', { type: 'search', id: 'connection-search', name: 'search', value: filters.search, placeholder: 'id, name or email' });
  const integration = h('select', { id: 'filter-integration', name: 'integration' },
    h('option', { value: '' }, 'All integrations'),
    integrations.map((i) => h('option', { value: i.unique_key, selected: i.unique_key === filters.integration }, i.display_name)));
  const status = h('select', { id: 'filter-status', name: 'status' },
    STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, s || 'Any status')));
  const endUser = h('input', { type: 'text', id: 'filter-end-user', name: 'end_user', value: filters.end_user });
  const form = h('form', { class: 'card filters', id: 'connection-filters', role: 'search' },
    field('Search', search), field('Integration', integration), field('Status', status), field('End user id', endUser),
    h('button', { type: 'submit', id: 'apply-filters' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({ search: search.value.trim(), integration: integration.value, status: status.value, end_user: endUser.value.trim() });
  });

  const rows = page.connections.map((c) => h('li', { 'data-connection-id': c.connection_id },
    h('div', { class: 'grow' },
      h('a', { href: `#/connections/${encodeURIComponent(c.provider_config_key)}/${encodeURIComponent(c.connection_id)}` },
        c.connection_id),
      h('div', { class: 'muted' }, c.provider_config_key, c.end_user ? ` · ${c.end_user.email || c.end_user.display_name || c.end_user.id || ''}` : '',
        ` · created ${when(c.created_at)}`)),
    badge(c.status)));
  const filtered = Object.values(filters).some(Boolean);
  const content = rows.length
    ? h('ul', { class: 'list', id: 'connections' }, rows)
    : empty(filtered ? 'No connection matches these filters. Clear the search or pick another integration.'
      : 'No connections yet. A connection appears when an end user completes a flow (try `bash scripts/demo.sh`) or when you import one with POST /connection.');

  const nav = h('nav', { class: 'row', 'aria-label': 'Pages' });
  if (cursor) {
    const previous = back.slice(0, -1);
    nav.append(h('a', { class: 'button secondary', id: 'previous-page', href: link({ ...filters, cursor: back[back.length - 1] === '-' ? '' : back[back.length - 1], back: previous.join(',') }) }, 'Previous'));
  }
  if (page.next_cursor) {
    nav.append(h('a', { class: 'button secondary', id: 'next-page', href: link({ ...filters, cursor: page.next_cursor, back: [...back, cursor || '-'].join(',') }) }, 'Next'));
  }
  render('Connections', form, content, nav);
}

function link(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return `#/connections${text ? `?${text}` : ''}`;
}

function go(params) {
  location.hash = link(params);
}
