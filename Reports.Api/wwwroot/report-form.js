// The request form, generated from the catalog: one field per parameter of the chosen report's JSON Schema.
import { api, el, humanize, uuid } from './common.js';

let catalog = [];
let idempotencyKey = uuid();

const form = () => document.getElementById('report-form');
const typeSelect = () => document.getElementById('report-type');
const selectedType = () => catalog.find((t) => t.name === typeSelect().value);
const selectedFormat = () => form().querySelector('input[name="format"]:checked')?.value;
const formatNames = { xlsx: 'Excel (XLSX)', ndjson: 'JSON Lines' };

export async function loadCatalog() {
  catalog = (await api('/api/report-types')).types;
  const select = typeSelect();
  select.replaceChildren(...catalog.map((t) => el('option', { value: t.name }, t.title)));
  renderType();
}

function renderType() {
  const type = selectedType();
  document.getElementById('report-type-description').textContent = type?.description ?? '';
  const options = document.getElementById('format-options');
  const previous = selectedFormat();
  options.replaceChildren(...(type?.formats ?? []).map((format, i) => el('label', { class: 'choice' },
    el('input', { type: 'radio', name: 'format', value: format, checked: previous ? format === previous : i === 0 }),
    formatNames[format] ?? format.toUpperCase())));
  if (!selectedFormat() && options.querySelector('input')) options.querySelector('input').checked = true;
  renderParameters();
}

/** Parameters that apply to the chosen format only (x-formats) are shown for that format only. */
function renderParameters() {
  const type = selectedType();
  const container = document.getElementById('parameter-fields');
  container.replaceChildren();
  if (!type) return;
  const schema = type.parameters;
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const formats = property['x-formats'];
    if (formats && !formats.includes(selectedFormat())) continue;
    container.append(field(name, property, required.has(name), schema));
  }
}

function field(name, property, required, schema) {
  const id = `param-${name}`;
  const hint = [property.description];
  if (name === 'to' && schema['x-maxDateSpanDays']) hint.push(`At most ${schema['x-maxDateSpanDays']} days after “From”.`);
  const describedBy = `${id}-hint ${id}-error`;
  const common = { id, name, 'data-parameter': name, 'aria-describedby': describedBy, required };
  let control;
  if (property.type === 'string' && property.format === 'date') {
    control = el('input', { ...common, type: 'date' });
  } else if (property.type === 'string' && property.enum) {
    control = el('select', common,
      required && property.default === undefined ? null : el('option', { value: '' }, property.default === undefined ? 'Any' : 'Default'),
      property.enum.map((v) => el('option', { value: v, selected: v === property.default }, v)));
  } else if (property.type === 'array' && property.items?.enum) {
    control = el('select', { ...common, multiple: true, size: Math.min(property.items.enum.length, 5) },
      property.items.enum.map((v) => el('option', { value: v }, v)));
  } else if (property.type === 'array') {
    hint.push('Separate values with commas.');
    control = el('input', { ...common, type: 'text', 'data-list': 'true', autocomplete: 'off', spellcheck: false });
  } else if (property.type === 'number' || property.type === 'integer') {
    control = el('input', { ...common, type: 'number', inputmode: property.type === 'integer' ? 'numeric' : 'decimal',
      step: property.type === 'integer' ? '1' : 'any', min: property.minimum, max: property.maximum });
  } else {
    control = el('input', { ...common, type: 'text', maxlength: property.maxLength });
  }
  return el('div', { class: 'field' },
    el('label', { for: id }, humanize(name), required ? el('span', { class: 'required' }, ' (required)') : null),
    control,
    el('p', { id: `${id}-hint`, class: 'hint' }, hint.filter(Boolean).join(' ')),
    el('p', { id: `${id}-error`, class: 'field-error', 'aria-live': 'polite' }));
}

function readParameters() {
  const parameters = {};
  for (const control of document.querySelectorAll('[data-parameter]')) {
    const name = control.dataset.parameter;
    if (control.multiple) {
      const values = [...control.selectedOptions].map((o) => o.value);
      if (values.length) parameters[name] = values;
    } else if (control.dataset.list) {
      const values = control.value.split(',').map((v) => v.trim()).filter(Boolean);
      if (values.length) parameters[name] = values;
    } else if (control.value !== '') {
      parameters[name] = control.type === 'number' ? Number(control.value) : control.value;
    }
  }
  return parameters;
}

function clearErrors() {
  for (const error of form().querySelectorAll('.field-error')) error.textContent = '';
  for (const invalid of form().querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
  document.getElementById('form-error').textContent = '';
}

/** Each error of a validation problem goes next to its field ("parameters.from" → the From field); others above the button. */
function showErrors(problem) {
  const unplaced = [];
  let first = null;
  for (const [key, messages] of Object.entries(problem.errors ?? {})) {
    const target = key === 'type' ? typeSelect()
      : key === 'format' ? document.getElementById('format-field')
      : key.startsWith('parameters.') ? document.getElementById(`param-${key.slice('parameters.'.length)}`) : null;
    if (!target) {
      unplaced.push(`${key}: ${messages.join(' ')}`);
      continue;
    }
    const error = document.getElementById(`${target.id === 'format-field' ? 'format' : target.id}-error`);
    error.textContent = messages.join(' ');
    target.setAttribute('aria-invalid', 'true');
    first ??= target;
  }
  const summary = problem.title || 'The request was refused.';
  document.getElementById('form-error').textContent = unplaced.length ? `${summary} ${unplaced.join(' ')}` : summary;
  (first?.id === 'format-field' ? first.querySelector('input') : first)?.focus();
}

/** Wires the form; `onCreated(report)` gets the status resource of each accepted request. */
export function setUpReportForm(onCreated) {
  typeSelect().addEventListener('change', () => { clearErrors(); renderType(); });
  document.getElementById('format-options').addEventListener('change', renderParameters);
  form().addEventListener('input', () => { idempotencyKey = uuid(); });
  form().addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const button = document.getElementById('submit-report');
    const status = document.getElementById('form-status');
    button.disabled = true;
    status.textContent = 'Requesting…';
    try {
      const report = await api('/api/reports', {
        method: 'POST',
        body: { type: typeSelect().value, format: selectedFormat(), parameters: readParameters() },
        // The same key for a double click or a retry after a network error: one report, not two.
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      idempotencyKey = uuid();
      status.textContent = `Requested: ${selectedType()?.title ?? report.type} (${report.format.toUpperCase()}), report ${report.id}.`;
      onCreated(report);
    } catch (e) {
      status.textContent = '';
      if (e.problem) showErrors(e.problem);
      else document.getElementById('form-error').textContent = `The request did not reach the server: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  });
}

export const titleOf = (type) => catalog.find((t) => t.name === type)?.title ?? type;
