// Shared by the reports page and the operations page: the signed-in key, API calls, live events, formatting.
const KEY_NAME = 'reports.apiKey';

export const session = {
  get key() { return sessionStorage.getItem(KEY_NAME); },
  set key(value) { sessionStorage.setItem(KEY_NAME, value); },
  clear() { sessionStorage.removeItem(KEY_NAME); },
};

/** An error answer of the API: its status and its problem document (title, detail, errors per field). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

function headers(extra) {
  return { Authorization: `Bearer ${session.key}`, Accept: 'application/json', ...extra };
}

/** Calls the API with the signed-in key; returns the JSON body, or throws an ApiError with the problem document. */
export async function api(path, { method = 'GET', body, signal, headers: extra } = {}) {
  const response = await fetch(path, {
    method,
    signal,
    headers: headers(body === undefined ? extra : { 'Content-Type': 'application/json', ...extra }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, json);
  }
  return json;
}

/**
 * Server-Sent Events through fetch and a stream reader, so the key travels in the Authorization header (an
 * EventSource cannot send one, and a key in the URL would end up in logs). Yields {id, event, data} until the
 * server ends the stream.
 */
export async function* events(path, { signal, lastEventId } = {}) {
  const response = await fetch(path, {
    signal,
    headers: headers({ Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }),
  });
  if (response.status === 204) {
    return;
  }
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let message = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (message.data.length > 0) {
          yield { id: message.id, event: message.event ?? 'message', data: JSON.parse(message.data.join('\n')) };
        }
        message = { data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const content = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data.push(content);
        else if (field === 'id') message.id = content;
        else if (field === 'event') message.event = content;
      }
    }
  }
}

/** Creates an element: el('p', {class: 'hint', id: 'x'}, 'text', child). Text is always set as text, never as HTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return element;
}

/** A random UUID, also outside secure contexts (crypto.randomUUID needs https or localhost). */
export function uuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const numbers = new Intl.NumberFormat();
export const formatNumber = (n) => (n === null || n === undefined ? '–' : numbers.format(n));

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

export function secondsBetween(from, to) {
  return from ? ((to ? new Date(to) : new Date()) - new Date(from)) / 1000 : null;
}

/** "minAmount" → "Min amount". */
export function humanize(name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The sign-in form of both pages. `verify(key)` checks the key against the API; it resolves, or throws an ApiError
 * whose message is shown next to the field. Calls `onSignedIn` with the key kept in session storage.
 */
export function setUpSignIn({ verify, onSignedIn, onSignedOut }) {
  const section = document.getElementById('sign-in');
  const form = document.getElementById('sign-in-form');
  const input = document.getElementById('api-key');
  const error = document.getElementById('api-key-error');
  const signOut = document.getElementById('sign-out');
  const app = document.getElementById('app');

  function show(signedIn) {
    section.hidden = signedIn;
    app.hidden = !signedIn;
    signOut.hidden = !signedIn;
  }

  async function attempt(key) {
    session.key = key;
    try {
      await verify(key);
    } catch (e) {
      session.clear();
      show(false);
      error.textContent = e.status === 401 ? 'This key is not valid (unknown or revoked).' : e.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    input.value = '';
    show(true);
    onSignedIn();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = 'Enter your API key.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    attempt(key);
  });
  signOut.addEventListener('click', () => {
    session.clear();
    show(false);
    onSignedOut?.();
    input.focus();
  });

  if (session.key) attempt(session.key);
  else show(false);
}
