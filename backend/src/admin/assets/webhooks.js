// Webhook deliveries: each event with its status and attempts, newest first, by cursor
// pages, and replay (`/webhooks/deliveries`, `/webhooks/deliveries/{id}/replay`).

import { api, query } from './api.js';
import { h, render, field, badge, when, empty, notice, say } from './ui.js';

export async function list(params) {
  const filter = params.get('status') || '';
  const cursor = params.get('cursor') || '';
  const page = await api('GET', `/webhooks/deliveries${query({ status: filter, limit: 50, cursor })}`);
  const status = h('select', { id: 'delivery-status' },
    ['', 'pending', 'delivered', 'failed'].map((s) => h('option', { value: s, selected: s === filter }, s || 'Any status')));
  status.addEventListener('change', () => {
    location.hash = status.value ? `#/webhooks?status=${status.value}` : '#/webhooks';
  });
  const outcome = notice();
  const items = page.deliveries.map((d) => {
    const replay = h('button', { type: 'button', class: 'secondary', 'data-replay': d.id }, 'Replay');
    replay.addEventListener('click', async () => {
      try {
        await api('POST', `/webhooks/deliveries/${encodeURIComponent(d.id)}/replay`);
        say(outcome, `Event ${d.id} is pending again.`, 'ok');
      } catch (error) {
        say(outcome, error.message, 'error');
      }
    });
    return h('li', { 'data-delivery': d.id, 'data-type': d.type },
      h('div', { class: 'grow' },
        h('strong', {}, d.type || 'event'), ' ', badge(d.status),
        h('div', { class: 'muted' }, `to ${d.host} · ${when(d.created_at)} · ${d.attempt_count} attempt(s)`,
          d.connection_id ? ` · ${d.provider_config_key}/${d.connection_id}` : ''),
        d.attempts.length ? h('ol', { class: 'attempts' }, d.attempts.map((a) => h('li', {},
          `${when(a.attempted_at)}: ${a.status_code ?? 'no answer'}${a.error ? ` (${a.error})` : ''}, ${a.latency_ms} ms`))) : null),
      replay);
  });
  const nav = h('nav', { class: 'row', 'aria-label': 'Pages' });
  if (cursor) nav.append(h('a', { class: 'button secondary', href: filter ? `#/webhooks?status=${filter}` : '#/webhooks' }, 'Newest'));
  if (page.next_cursor) {
    nav.append(h('a', { class: 'button secondary', id: 'next-page', href: `#/webhooks?${new URLSearchParams({ status: filter, cursor: page.next_cursor })}` }, 'Older'));
  }
  render('Webhook deliveries', h('div', { class: 'card filters' }, field('Status', status)), outcome,
    items.length ? h('ul', { class: 'list', id: 'deliveries' }, items)
      : empty('No webhook events yet. Set a webhook URL and send a test event from the environment page.',
        h('a', { class: 'button', href: '#/environment' }, 'Environment settings')),
    nav);
}
