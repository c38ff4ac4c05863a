// A preview of a message before it is posted, built in the browser from the
// markdown source with DOM calls only (text is never parsed as HTML). It
// covers what people write in discussions: paragraphs, headings, lists,
// quotes, code, emphasis, inline code and http(s)/mailto links. The daemon's
// renderer (discount) has the last word: the posted message may differ in
// details.

import { h, clear } from '../dom.js';
import { t } from '../i18n.js';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

// Inline markdown of one block of text -> nodes.
function inline(text) {
  const out = [];
  const re = /(`+)([\s\S]*?)\1|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|(\u2028)/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(h('code', null, m[2]));
    else if (m[3] || m[4]) out.push(h('strong', null, inline(m[3] || m[4])));
    else if (m[5] || m[6]) out.push(h('em', null, inline(m[5] || m[6])));
    else if (m[7]) {
      out.push(SAFE_URL.test(m[8]) ? h('a', { href: m[8], rel: 'nofollow noopener', target: '_blank' }, inline(m[7])) : m[0]);
    } else if (m[9]) out.push(h('a', { href: m[9], rel: 'nofollow noopener', target: '_blank' }, m[9]));
    else if (m[10]) out.push(h('br'));
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Markdown source -> a DocumentFragment.
export function previewNodes(src) {
  const frag = document.createDocumentFragment();
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    let m;
    if ((m = /^(`{3,}|~{3,})/.exec(line.trim()))) {
      const fence = m[1];
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i += 1;
      frag.append(h('pre', null, h('code', null, body.join('\n'))));
      continue;
    }
    if ((m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      frag.append(h('h' + Math.min(6, m[1].length + 2), null, inline(m[2])));
      i += 1;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ''));
      const q = h('blockquote');
      q.append(previewNodes(body.join('\n')));
      frag.append(q);
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/;
    const number = /^\s*\d+[.)]\s+(.*)$/;
    if (bullet.test(line) || number.test(line)) {
      const re = bullet.test(line) ? bullet : number;
      const list = h(re === bullet ? 'ul' : 'ol');
      while (i < lines.length && re.test(lines[i])) {
        let item = re.exec(lines[i])[1];
        i += 1;
        while (i < lines.length && lines[i].trim() && /^\s{2,}/.test(lines[i]) && !re.test(lines[i])) item += '\n' + lines[i++].trim();
        list.append(h('li', null, inline(item)));
      }
      frag.append(list);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|\s*>|\s*[-*+]\s|\s*\d+[.)]\s|```|~~~)/.test(lines[i])) para.push(lines[i++]);
    if (!para.length) para.push(lines[i++]);
    // A line ending in two spaces breaks; other line ends are spaces.
    frag.append(h('p', null, inline(para.join('\n').replace(/ {2,}\n/g, '\u2028').replace(/\n/g, ' '))));
  }
  return frag;
}

// A "Preview" toggle for a textarea: {button, region}. While shown, the
// preview follows the typing.
export function previewToggle(textarea, idPrefix) {
  const regionId = idPrefix + '-preview';
  const region = h('div', { class: 'preview', id: regionId, hidden: true },
    h('p', { class: 'hint preview-note' }, t('disc.preview_note')),
    h('div', { class: 'md preview-body' }));
  const body = region.querySelector('.preview-body');
  const button = h('button', { type: 'button', class: 'secondary small preview-toggle', 'aria-expanded': 'false', 'aria-controls': regionId },
    t('disc.preview'));
  function draw() {
    clear(body);
    if (textarea.value.trim()) body.append(previewNodes(textarea.value));
    else body.append(h('p', { class: 'muted' }, t('disc.preview_empty')));
  }
  button.addEventListener('click', () => {
    const show = region.hidden;
    region.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    button.textContent = show ? t('disc.preview_hide') : t('disc.preview');
    if (show) draw();
  });
  textarea.addEventListener('input', () => { if (!region.hidden) draw(); });
  return {
    button,
    region,
    reset() {
      region.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.textContent = t('disc.preview');
    },
  };
}
