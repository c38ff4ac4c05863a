// Small helpers to build DOM nodes without innerHTML.
//
// h('p', {class: 'note'}, 'text', child) makes an element. String children
// become text nodes, so user-provided text is never parsed as HTML.
// Attributes: `class`, `for`, `hidden`, boolean attributes given as true,
// `on<event>` functions become listeners, anything else is setAttribute.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on') && typeof value === 'function') {
        el.addEventListener(name.slice(2), value);
      } else if (name === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (value === true) {
        el.setAttribute(name, '');
      } else {
        el.setAttribute(name, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form field: returns {wrap, input}. opts: {label, hint, type, name, required, ...attrs}
export function field(opts) {
  const { label, hint, ...attrs } = opts;
  const id = uid(attrs.name || 'field');
  const hintId = hint ? id + '-hint' : undefined;
  const input = h('input', { id, 'aria-describedby': hintId, ...attrs });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input);
  return { wrap, input };
}

// A random key for idempotent retries. crypto.randomUUID needs a secure
// context; getRandomValues works on plain http too.
export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
