// A preview of an MOU's markdown while it is edited, built in the browser
// with DOM calls only (the text is never parsed as HTML): headings,
// paragraphs, lists, quotes, code, emphasis, inline code and http(s) links.
// The daemon's renderer has the last word once the version is saved.

import { h } from '../dom.js';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

function inline(text) {
  const out = [];
  const re = /(`+)([\s\S]*?)\1|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(h('code', null, m[2]));
    else if (m[3] || m[4]) out.push(h('strong', null, inline(m[3] || m[4])));
    else if (m[5] || m[6]) out.push(h('em', null, inline(m[5] || m[6])));
    else if (SAFE_URL.test(m[8])) out.push(h('a', { href: m[8], rel: 'nofollow noopener' }, inline(m[7])));
    else out.push(m[0]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const BLOCK_START = /^(#{1,6}\s|\s*>|\s*[-*+]\s|\s*\d+[.)]\s|```|~~~)/;

export function mouPreview(src) {
  const frag = document.createDocumentFragment();
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (!line.trim()) {
      i += 1;
    } else if ((m = /^(`{3,}|~{3,})/.exec(line.trim()))) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(m[1])) body.push(lines[i++]);
      i += 1;
      frag.append(h('pre', null, h('code', null, body.join('\n'))));
    } else if ((m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      frag.append(h('h' + Math.min(6, m[1].length + 2), null, inline(m[2])));
      i += 1;
    } else if (/^\s*>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ''));
      frag.append(h('blockquote', null, mouPreview(body.join('\n'))));
    } else if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const re = /^\s*[-*+]\s+/.test(line) ? /^\s*[-*+]\s+(.*)$/ : /^\s*\d+[.)]\s+(.*)$/;
      const items = [];
      while (i < lines.length && re.test(lines[i])) {
        let item = re.exec(lines[i])[1];
        i += 1;
        while (i < lines.length && lines[i].trim() && /^\s{2,}/.test(lines[i]) && !re.test(lines[i])) item += ' ' + lines[i++].trim();
        items.push(h('li', null, inline(item)));
      }
      frag.append(h(re.source.includes('\\d') ? 'ol' : 'ul', null, items));
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && (!para.length || !BLOCK_START.test(lines[i]))) para.push(lines[i++]);
      frag.append(h('p', null, inline(para.join(' '))));
    }
  }
  return frag;
}
