// The live figures of the operations page: queues, workers and the last hour as a chart.
import { el, formatBytes, formatNumber, formatSeconds, formatTime } from './common.js';

function cells(headers, values) {
  return el('tr', {}, values.map((value, i) =>
    el(i === 0 ? 'th' : 'td', { 'data-label': headers[i], scope: i === 0 ? 'row' : undefined }, value)));
}

const headersOf = (table) => [...table.querySelectorAll('thead th')].map((th) => th.textContent);

export function renderQueues({ queues }) {
  const table = document.getElementById('queues');
  const headers = headersOf(table);
  table.tBodies[0].replaceChildren(...queues.map((q) => {
    const row = cells(headers, [q.name, formatNumber(q.waiting), formatSeconds(q.oldestWaitingSeconds ?? q.oldestQueuedSeconds),
      formatNumber(q.pending), formatNumber(q.queued), formatNumber(q.running), formatNumber(q.retrying),
      formatNumber(q.succeededLastMinute + q.failedLastMinute), formatNumber(q.failedLastMinute), formatNumber(q.length)]);
    row.dataset.queue = q.name;
    // A queue whose oldest job has waited over a minute is worth a look: say so in words, not only in colour.
    if ((q.oldestQueuedSeconds ?? 0) > 60) row.classList.add('warn');
    return row;
  }));
}

export function renderWorkers({ workers }) {
  const table = document.getElementById('workers');
  const headers = headersOf(table);
  document.getElementById('workers-empty').hidden = workers.length > 0;
  table.tBodies[0].replaceChildren(...workers.map((w) => {
    const heartbeat = w.heartbeatAgeSeconds === null ? 'none (stopped or unreachable)' : `${formatSeconds(w.heartbeatAgeSeconds)} ago`;
    const queues = Object.entries(w.queues).map(([name, slots]) => `${name} (${slots})`).join(', ') || '–';
    const jobs = w.jobs.length === 0 ? '0' : el('span', {}, `${w.jobsInProgress}: `,
      w.jobs.flatMap((j, i) => [i ? ', ' : '', el('button', { type: 'button', class: 'link', 'data-job': j.id },
        `${j.type} ${j.format} (${formatNumber(j.rowsWritten)} rows)`)]));
    const row = cells(headers, [w.id, w.host ?? '–', heartbeat, queues, jobs,
      w.workingSetBytes === null ? '–' : `${formatBytes(w.workingSetBytes)} / ${formatBytes(w.managedHeapBytes)}`, formatTime(w.startedAt)]);
    row.dataset.worker = w.id;
    if (w.heartbeatAgeSeconds === null || w.heartbeatAgeSeconds > 10) row.classList.add('warn');
    return row;
  }));
}

const KINDS = ['created', 'succeeded', 'failed', 'cancelled'];

/** Grouped bars per 5-minute bucket, drawn as SVG; the description states the totals for screen readers. */
export function renderHistory({ buckets, bucketSeconds }) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = (tag, attributes = {}) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
    return node;
  };
  const width = 600;
  const height = 160;
  const top = 10;
  const bottom = 20;
  const max = Math.max(1, ...buckets.flatMap((b) => KINDS.map((k) => b[k])));
  const slot = width / buckets.length;
  const bar = (slot - 6) / KINDS.length;
  const totals = Object.fromEntries(KINDS.map((k) => [k, buckets.reduce((sum, b) => sum + b[k], 0)]));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'history-svg-title history-svg-desc' });
  const title = svg('title', { id: 'history-svg-title' });
  title.textContent = `Jobs per ${bucketSeconds / 60} minutes over the last hour`;
  const desc = svg('desc', { id: 'history-svg-desc' });
  desc.textContent = `In the last hour: ${totals.created} created, ${totals.succeeded} succeeded, ${totals.failed} failed, ${totals.cancelled} cancelled.`;
  chart.append(title, desc);
  buckets.forEach((b, i) => {
    KINDS.forEach((kind, k) => {
      const h = ((height - top - bottom) * b[kind]) / max;
      const rect = svg('rect', { x: i * slot + 3 + k * bar, y: height - bottom - h, width: Math.max(bar - 1, 1), height: h, class: `bar-${kind}` });
      const tip = svg('title');
      tip.textContent = `${new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${b[kind]} ${kind}`;
      rect.append(tip);
      chart.append(rect);
    });
    if (i % 3 === 0) {
      const label = svg('text', { x: i * slot + 3, y: height - 5, class: 'axis' });
      label.textContent = new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      chart.append(label);
    }
  });
  const baseline = svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: 'baseline' });
  chart.append(baseline);
  const container = document.getElementById('history-chart');
  container.replaceChildren(chart, el('p', { class: 'hint totals' }, desc.textContent));
}
