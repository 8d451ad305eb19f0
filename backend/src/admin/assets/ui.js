// DOM helpers: elements are built with text nodes (never innerHTML), so no value from the
// API can become markup; dialogs, notices, copy buttons and form fields.

let counter = 0;

/** A unique id for label/field pairs. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** `h('a', {href, onclick}, 'text', child)`: attributes set as attributes, `on*` as listeners. */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'value') element.value = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replace the page's content and move focus to it (screen readers hear the new view). */
export function render(heading, ...nodes) {
  const main = document.getElementById('main');
  document.title = `${heading} · nango-server admin`;
  main.replaceChildren(h('h1', {}, heading), ...nodes);
  main.focus({ preventScroll: true });
}

/** A live region for the outcome of an action. */
export function notice(kind = '') {
  return h('p', { class: `notice ${kind}`, role: 'status', 'aria-live': 'polite' });
}

export function say(element, text, kind = '') {
  element.className = `notice ${kind}`;
  element.textContent = text;
}

/** A labelled form field; `input` gets an id when it has none. */
export function field(label, input, help) {
  if (!input.id) input.id = uid('field');
  const children = [h('label', { for: input.id }, label), input];
  if (help) {
    const helpId = uid('help');
    input.setAttribute('aria-describedby', helpId);
    children.push(h('p', { class: 'muted', id: helpId }, help));
  }
  return h('div', { class: 'field' }, children);
}

/** A button that copies `text()` to the clipboard and says so. */
export function copyButton(text, label = 'Copy') {
  const button = h('button', { type: 'button', class: 'secondary' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(typeof text === 'function' ? await text() : text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the text';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

/** A modal confirmation; resolves true when confirmed. */
export function confirmDialog(title, body, confirmLabel) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: 'danger', id: 'confirm-action' }, confirmLabel);
    const dialog = h('dialog', { 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title), body, h('div', { class: 'row' }, cancel, confirm));
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => close(false));
    confirm.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A provider's logo, or its first letter when it has none. */
export function logo(url, name) {
  if (url) return h('img', { class: 'logo', src: url, alt: '', width: 32, height: 32, loading: 'lazy' });
  return h('span', { class: 'logo', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase());
}

/** A connection or delivery status as a coloured badge with its text. */
export function badge(text) {
  const kind = { ok: 'ok', delivered: 'ok', needs_reauth: 'bad', failed: 'bad', pending: 'warn', refresh_failed: 'warn' }[text] || '';
  return h('span', { class: `badge ${kind}` }, text);
}

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** What to show when a list is empty: what it is and what to do. */
export function empty(text, ...actions) {
  return h('div', { class: 'card empty' }, h('p', {}, text), actions.length ? h('div', { class: 'row' }, actions) : null);
}

const HIDDEN = '•••••••• (hidden)';

/** A secret shown as dots until revealed: `load()` fetches it (revealing is logged by the server). */
export function secret(label, load) {
  const value = h('code', {}, HIDDEN);
  let shown = null;
  const reveal = h('button', { type: 'button', class: 'secondary', 'data-reveal': true }, 'Reveal');
  reveal.addEventListener('click', async () => {
    if (shown === null) {
      try {
        shown = await load();
      } catch (error) {
        value.textContent = error.message;
        return;
      }
      value.textContent = shown;
      reveal.textContent = 'Hide';
    } else {
      shown = null;
      value.textContent = HIDDEN;
      reveal.textContent = 'Reveal';
    }
  });
  return h('div', { class: 'secret' }, value, reveal, copyButton(async () => shown ?? (await load())));
}
