// The schedules view of the operations page: fire times as a calendar (hours or days), the latest run, health, and a
// schedule's change history on demand.
import { api, el, formatTime } from './common.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
let days = 1;

const stateText = {
  ok: 'OK', paused: 'Paused', missed: 'Missed a fire time', failing: 'Failing',
};

/**
 * Column starts from the hour (or local day) of `from` to the one holding `to`: 25 hours or 8 days, so every fire time
 * in [from, to] has its column. One more start closes the last column.
 */
function buckets(from, to) {
  const start = new Date(from);
  const end = new Date(to);
  if (days === 1) start.setMinutes(0, 0, 0);
  else start.setHours(0, 0, 0, 0);
  const starts = [];
  for (let at = start; starts.length < 40; at = next(at)) {
    starts.push(at);
    if (at > end) break;
  }
  return starts;
}

function next(at) {
  const d = new Date(at);
  if (days === 1) d.setHours(d.getHours() + 1);
  else d.setDate(d.getDate() + 1);
  return d;
}

function bucketLabel(start) {
  return days === 1
    ? start.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : start.toLocaleDateString([], { weekday: 'short', day: 'numeric' });
}

function lastRun(run) {
  if (!run) return 'none yet';
  return el('span', {}, `${run.status} · ${formatTime(run.fireTime)} · `,
    el('button', { type: 'button', class: 'link', 'data-job': run.jobId, 'aria-label': `Show job ${run.jobId}` }, run.jobId.slice(0, 8)));
}

export async function refreshSchedules() {
  const { from, to, schedules } = await api(`/api/admin/ops/schedules?days=${days}`);
  const table = document.getElementById('schedules');
  const starts = buckets(from, to);
  const columns = starts.slice(0, -1);
  table.tHead.rows[0].replaceChildren(
    el('th', { scope: 'col' }, 'Schedule'), el('th', { scope: 'col' }, 'State'), el('th', { scope: 'col' }, 'Last run'),
    ...columns.map((start) => el('th', { scope: 'col', class: 'slot' }, bucketLabel(start))));
  document.getElementById('schedules-empty').hidden = schedules.length > 0;
  table.tBodies[0].replaceChildren(...schedules.map((s) => {
    const cells = columns.map((start, i) => {
      const times = s.fireTimes.filter((t) => { const at = new Date(t); return at >= start && at < starts[i + 1]; });
      const title = times.map((t) => new Date(t).toLocaleString()).join('\n');
      return el('td', { class: times.length ? 'slot fires' : 'slot', title: title || undefined }, times.length ? String(times.length) : '');
    });
    const state = s.state === 'failing' ? `${stateText.failing} (${s.failuresInARow} in a row)` : stateText[s.state] ?? s.state;
    const row = el('tr', {},
      el('th', { scope: 'row' }, el('span', {}, `${s.name} `, el('small', {}, `${s.owner} · ${s.cron} ${s.timeZone}`), ' ',
        el('button', { type: 'button', class: 'link', 'data-history': s.id, 'aria-label': `History of ${s.name}` }, 'History'))),
      el('td', {}, state), el('td', {}, lastRun(s.lastRun)), ...cells);
    row.dataset.schedule = s.id;
    if (s.state === 'missed' || s.state === 'failing') row.classList.add('warn');
    return row;
  }));
}

async function showHistory(id) {
  const target = document.getElementById('schedule-history');
  const { items } = await api(`/api/schedules/${id}/history?limit=50`);
  const describe = (changes) => Object.entries(changes)
    .map(([field, { old, new: value }]) => `${field}: ${JSON.stringify(old)} → ${JSON.stringify(value)}`).join('; ');
  target.replaceChildren(
    el('h3', {}, `History of schedule ${id}`),
    items.length === 0 ? el('p', { class: 'hint' }, 'No recorded changes.') : el('table', { class: 'responsive' },
      el('thead', {}, el('tr', {}, ['When', 'What', 'Who', 'Changes'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, items.map((c) => el('tr', {},
        el('td', {}, formatTime(c.changedAt)), el('td', {}, c.action),
        el('td', {}, `${c.actor}${c.actorKeyId ? ` (key ${c.actorKeyId.slice(0, 8)})` : ''}`), el('td', {}, describe(c.changes)))))));
}

export function setUpSchedules(refresh) {
  document.querySelectorAll('input[name="calendar-days"]').forEach((input) => input.addEventListener('change', () => {
    days = Number(input.value);
    refresh();
  }));
  document.getElementById('schedules').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-history]');
    if (button) showHistory(button.dataset.history).catch((e) => {
      document.getElementById('schedule-history').textContent = `History not loaded: ${e.message}`;
    });
  });
}
