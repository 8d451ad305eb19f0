// The console's entry: sign-in, the header's navigation and sign-out, and the views by hash
// (`#/integrations`, `#/connections?search=..`, `#/connections/{integration}/{id}`, ...).

import { api, setCsrf } from './api.js';
import { h, render, field, say } from './ui.js';
import * as integrations from './integrations.js';
import * as connections from './connections.js';
import * as connection from './connection.js';
import * as environment from './environment.js';
import * as webhooks from './webhooks.js';

const decode = decodeURIComponent;

const ROUTES = [
  [/^#\/integrations\/new$/, () => integrations.catalog()],
  [/^#\/integrations\/([^/?]+)$/, (m) => integrations.edit(decode(m[1]))],
  [/^#\/integrations$/, () => integrations.list()],
  [/^#\/connections\/([^/?]+)\/([^?]+)$/, (m) => connection.detail(decode(m[1]), decode(m[2]))],
  [/^#\/connections(?:\?(.*))?$/, (m) => connections.list(new URLSearchParams(m[1] || ''))],
  [/^#\/environment$/, () => environment.settings()],
  [/^#\/webhooks(?:\?(.*))?$/, (m) => webhooks.list(new URLSearchParams(m[1] || ''))],
];

let signedIn = false;

function showHeader(visible) {
  document.getElementById('top').hidden = !visible;
}

function markSection(hash) {
  const section = (hash.match(/^#\/([a-z]+)/) || [])[1];
  for (const link of document.querySelectorAll('.top nav a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function route() {
  if (!signedIn) return;
  const hash = location.hash && location.hash !== '#' ? location.hash : '#/integrations';
  markSection(hash);
  const found = ROUTES.map(([pattern, view]) => [hash.match(pattern), view]).find(([match]) => match);
  try {
    if (found) await found[1](found[0]);
    else render('Not found', h('p', {}, 'No such page. '), h('a', { href: '#/integrations' }, 'Go to the integrations'));
  } catch (error) {
    if (error.status === 401) {
      signInPage('Your session ended (expired or signed out): sign in again.');
    } else {
      render('Something went wrong', h('p', { class: 'notice error', role: 'alert' }, error.message));
    }
  }
}

function signInPage(message = '') {
  signedIn = false;
  setCsrf(null);
  showHeader(false);
  const input = h('input', { type: 'password', id: 'secret-key', name: 'secret-key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { id: 'signin-error', class: 'notice', role: 'alert' }, message);
  const button = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const form = h('form', { id: 'signin-form', novalidate: true },
    field('Secret key', input, 'The environment’s secret key: `nango-server keys` prints it. It is exchanged for a session cookie and not kept by this page.'),
    button, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      say(error, 'Paste the secret key first.', 'error');
      input.focus();
      return;
    }
    button.disabled = true;
    say(error, 'Signing in…');
    try {
      const session = await api('POST', '/admin/session', { secret_key: key });
      input.value = '';
      start(session);
    } catch (failure) {
      const text = failure.code === 'unknown_account'
        ? 'That secret key is not right. Copy it again from `nango-server keys` (or NANGO_SECRET_KEY) and retry.'
        : failure.message;
      say(error, text, 'error');
      input.select();
    } finally {
      button.disabled = false;
    }
  });
  const main = document.getElementById('main');
  document.title = 'Sign in · nango-server admin';
  main.replaceChildren(h('section', { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to nango-server'), form));
  input.focus();
}

function start(session) {
  setCsrf(session.csrf_token);
  signedIn = true;
  showHeader(true);
  route();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await api('DELETE', '/admin/session');
  } catch {
    // The session may be gone already: the sign-in page is what follows either way.
  }
  signInPage('Signed out.');
});

window.addEventListener('hashchange', route);

api('GET', '/admin/session').then(start, (error) => {
  signInPage(error.status === 401 ? '' : error.message);
});

