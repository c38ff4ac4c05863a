// The WebSocket client: one connection to /ws (subprotocol roundtable.v1).
//
// request(op, args, {key}) sends a request and returns a Promise of the
// reply's data; a failed reply rejects with an RtError carrying the
// protocol's {code, message, field}.
//
// The connection keeps itself up: when it drops, it reconnects with
// exponential backoff (0.5 s doubling to 30 s, with jitter) and, once open,
// asks auth.whoami (the session cookie signs the upgrade in) and subscribes
// again to every coalition it followed, with `since` set to the last event
// seq it saw there, so the events it missed arrive in order.
//
// Requests made while offline wait and go out once the connection is back,
// in the order they were made. A request already sent when the connection
// dropped is sent again only when that is safe: it carries an idempotency
// key, or it only reads. Some writes carrying a key are not kept by the
// server (an anonymous message.post: see docs/protocol.md, Anonymity); for
// those the journal is asked first whether the write already happened.
//
// The journal (setJournal; web/js/queue.js) keeps every keyed write in
// localStorage until its reply arrives, so writes made offline survive a
// reload: restore() puts them back at the front of the outbox.
//
// subscribe(slug, {since}) catches up on events missed while the page was
// closed: those (seq up to the subscribe reply's seq) are emitted as
// 'catchup', never as 'event', so views never see old history as news.
//
// Listeners:
//   on('state', fn(state, detail))   'connecting' | 'online' | 'offline'
//   on('session', fn(whoami|null))   after each (re)connect: who we are
//   on('event', fn(event))           every event, duplicates dropped
//   on('catchup', fn(event))         an event replayed by subscribe({since})
//   on('signedout', fn())            the session ended (session.ended event, or a
//                                    request refused as unauthenticated)

export class RtError extends Error {
  constructor(error) {
    super((error && error.message) || (error && error.code) || 'error');
    this.code = (error && error.code) || 'unknown';
    this.field = error && error.field;
    this.data = error && error.data;
  }
}

const SAFE_TO_REPEAT = /(^|\.)(get|list|whoami|subscribe|template|tally|results|history|diff|verify)$|^search$/;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 30000;
const PROBE_TIMEOUT = 5000;

export class Connection {
  constructor(url) {
    this.url = url || Connection.defaultUrl();
    this.ws = null;
    this.state = 'offline';
    this.nextId = 1;
    this.pending = new Map(); // id -> {msg, resolve, reject, safe, sent}
    this.outbox = []; // requests waiting for the connection
    this.listeners = new Map();
    this.subscriptions = new Map(); // slug -> last seq seen (number) or null
    this.catchup = new Map(); // slug -> seq up to which events are a catch-up replay
    // slug -> last `private` number seen: events addressed to this member
    // alone carry it instead of a seq (docs/protocol.md, Events).
    this.privates = new Map();
    this.catchupPrivate = new Map(); // slug -> `private` up to which they are a replay
    this.journal = null; // see setJournal
    this.flushing = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.resumeToken = null;
    this.stopped = true;
    this.probing = false;

    // After sleep or a change of network a socket can be dead without the
    // browser noticing for minutes: check it when we come back.
    window.addEventListener('online', () => this.wake());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.wake();
    });
  }

  wake() {
    if (this.state === 'offline') this.reconnectNow();
    else if (this.state === 'online') this.probe();
  }

  // Ask something cheap; no answer within PROBE_TIMEOUT means the socket is gone.
  probe() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.probing) return;
    this.probing = true;
    const timer = setTimeout(() => {
      this.probing = false;
      if (this.ws === ws) this.dropSocket();
    }, PROBE_TIMEOUT);
    this.send(ws, 'auth.whoami', {}).catch(() => {}).finally(() => {
      clearTimeout(timer);
      this.probing = false;
    });
  }

  // Give up on the current socket now and start reconnecting.
  dropSocket() {
    const old = this.ws;
    this.ws = null;
    if (old) this.retire(old);
    this.failInFlight();
    this.scheduleRetry();
  }

  static defaultUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return () => this.listeners.get(name).delete(fn);
  }

  emit(name, ...args) {
    for (const fn of this.listeners.get(name) || []) {
      try {
        fn(...args);
      } catch (e) {
        console.error(e); // a broken listener must not break the connection
      }
    }
  }

  setState(state, detail) {
    this.state = state;
    this.emit('state', state, detail);
  }

  start() {
    this.stopped = false;
    if (!this.ws) this.open();
  }

  // Drop the current socket and open a new one now: used after sign-in or
  // sign-out so the new upgrade carries the current cookie. Whoever we were,
  // we are someone else now: nothing still waiting may go out as the new
  // member, so it all fails.
  restart() {
    this.clearRetry();
    this.attempt = 0;
    const old = this.ws;
    this.ws = null;
    if (old) this.retire(old);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.outbox = [];
    for (const p of waiting) {
      if (p.journaled && this.journal) this.journal.dropped(p.msg);
      p.reject(new RtError({ code: 'offline', message: 'signed in or out' }));
    }
    this.open();
  }

  // journal: {record(msg), held(msg), sent(msg), settle(msg, ok, dataOrError),
  // dropped(msg), needsCheck(msg), check(msg, read)}: web/js/queue.js.
  setJournal(journal) {
    this.journal = journal;
  }

  // Close a socket we no longer want without noise: closing one that is still
  // connecting makes the browser log an error, so wait for it to open.
  retire(ws) {
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.onopen = () => ws.close(1000);
    } else {
      ws.onopen = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
  }

  reconnectNow() {
    if (this.stopped || this.state !== 'offline') return;
    this.clearRetry();
    this.attempt = 0;
    this.open();
  }

  clearRetry() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  // A retry after a lost connection stays 'offline' until it succeeds, so the
  // status (and screen readers) do not flicker on every attempt.
  open(retrying) {
    if (!retrying) this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url, 'roundtable.v1');
    } catch (e) {
      this.ws = null;
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.handshake(ws);
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failInFlight();
      // 1008: not signed in within the daemon's --auth-deadline (a sign-in
      // page left open). Nothing was lost: a new connection, quietly.
      if (ev.code === 1008 && !this.stopped) this.open(true);
      else this.scheduleRetry();
    };
    ws.onerror = () => {}; // onclose follows and handles it
  }

  scheduleRetry() {
    if (this.stopped) return;
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * base / 2);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open(true);
    }, delay);
    this.setState('offline', { retryAt: this.retryAt });
  }

  // In-flight requests when a socket is lost: the safe ones wait for the next
  // connection; the others fail, since we cannot know whether they happened.
  failInFlight() {
    const keep = [];
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.pending.delete(id);
      if (p.internal) {
        p.reject(new RtError({ code: 'offline' }));
      } else if (p.safe) {
        p.sent = false;
        p.maybeSent = true; // it may have reached the server
        if (p.journaled && this.journal) this.journal.held(p.msg);
        keep.push(p);
      } else {
        p.reject(new RtError({ code: 'offline', message: 'connection lost' }));
      }
    }
    this.outbox = keep.concat(this.outbox);
  }

  async handshake(ws) {
    if (this.ws !== ws) return;
    let who = null;
    try {
      if (this.resumeToken) {
        try {
          who = await this.send(ws, 'auth.resume', { token: this.resumeToken });
        } catch (e) {
          this.resumeToken = null;
          if (e.code === 'offline') throw e;
        }
      }
      if (!who) {
        try {
          who = await this.send(ws, 'auth.whoami', {});
          if (!who || !who.member) who = null;
        } catch (e) {
          if (e.code !== 'unauthenticated') throw e;
          who = null;
        }
      }
      if (who) {
        // Catch up on every coalition we follow, oldest missed event first.
        // A subscription still waiting for its first reply is in the outbox
        // and goes out after this.
        const known = [...this.subscriptions].filter(([, seq]) => typeof seq === 'number');
        await Promise.all(known.map(([slug]) => this.resubscribe(ws, slug)));
      } else {
        this.subscriptions.clear();
      }
    } catch (e) {
      if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.close(4000);
      return;
    }
    if (this.ws !== ws) return;
    this.attempt = 0;
    this.setState('online');
    this.emit('session', who);
    this.flush();
  }

  async resubscribe(ws, slug) {
    const since = this.subscriptions.get(slug);
    const args = { coalition: slug, since };
    if (this.privates.has(slug)) args.since_private = this.privates.get(slug);
    try {
      await this.send(ws, 'coalition.subscribe', args);
    } catch (e) {
      if (e.code === 'offline') throw e;
      this.subscriptions.delete(slug); // no longer a member: stop following
    }
  }

  // Follow a coalition's events from now on. Resolves with the subscribe
  // reply. With {since: seq}, the events after seq are replayed first, as
  // 'catchup' events (those up to the reply's seq). A coalition already
  // followed is not subscribed again.
  async subscribe(slug, { since } = {}) {
    if (this.subscriptions.has(slug)) return { seq: this.subscriptions.get(slug) };
    const replay = typeof since === 'number' && since >= 0;
    this.subscriptions.set(slug, replay ? since : null);
    const args = { coalition: slug };
    if (replay) args.since = since;
    try {
      const data = await this.request('coalition.subscribe', args);
      const seen = this.subscriptions.get(slug);
      if (data && typeof data.seq === 'number') {
        // Runs before the replayed events are read: they arrive after the reply.
        if (replay) {
          this.catchup.set(slug, data.seq);
          if (typeof data.private === 'number') this.catchupPrivate.set(slug, data.private);
        } else {
          if (seen === null || seen === undefined || seen < data.seq) this.subscriptions.set(slug, data.seq);
          // Events to me alone up to the reply's number came before I followed: not news.
          if (typeof data.private === 'number' && !this.privates.has(slug)) this.privates.set(slug, data.private);
        }
      }
      return data;
    } catch (e) {
      this.subscriptions.delete(slug);
      throw e;
    }
  }

  forgetSubscriptions() {
    this.subscriptions.clear();
    this.catchup.clear();
    this.privates.clear();
    this.catchupPrivate.clear();
  }

  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.event === 'string') {
      this.receiveEvent(msg);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (p.journaled && this.journal) this.journal.settle(p.msg, !!msg.ok, msg.ok ? (msg.data || {}) : (msg.error || {}));
    if (msg.ok) {
      p.resolve(msg.data || {});
    } else {
      const err = new RtError(msg.error);
      if (err.code === 'unauthenticated' && !p.internal && !p.msg.op.startsWith('auth.')) {
        this.emit('signedout');
      }
      p.reject(err);
    }
  }

  receiveEvent(msg) {
    if (msg.event === 'session.ended') {
      // Signed out elsewhere (another tab, auth.logout): this connection is
      // anonymous now and follows nothing.
      this.subscriptions.clear();
      this.catchup.clear();
      this.privates.clear();
      this.catchupPrivate.clear();
      this.resumeToken = null;
      this.emit('signedout');
      return;
    }
    const slug = msg.coalition;
    let old = false;
    if (slug && typeof msg.private === 'number') {
      const last = this.privates.get(slug);
      if (typeof last === 'number' && msg.private <= last) return; // already seen
      this.privates.set(slug, msg.private);
      const upto = this.catchupPrivate.get(slug);
      if (typeof upto === 'number') {
        if (msg.private <= upto) old = true;
        else this.catchupPrivate.delete(slug);
      }
    } else if (slug && typeof msg.seq === 'number') {
      const last = this.subscriptions.get(slug);
      if (typeof last === 'number' && msg.seq <= last) return; // already seen
      if (this.subscriptions.has(slug)) this.subscriptions.set(slug, msg.seq);
      const upto = this.catchup.get(slug);
      if (typeof upto === 'number') {
        if (msg.seq <= upto) old = true;
        else this.catchup.delete(slug);
      }
    }
    this.emit(old ? 'catchup' : 'event', msg);
  }

  // Used by the handshake: goes out on this socket now, never queued or repeated.
  send(ws, op, args) {
    return new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) {
        reject(new RtError({ code: 'offline' }));
        return;
      }
      const id = this.nextId++;
      const msg = { id, op, args };
      this.pending.set(id, { msg, resolve, reject, safe: false, sent: true, internal: true });
      ws.send(JSON.stringify(msg));
    });
  }

  isOpen() {
    return this.state === 'online' && !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  request(op, args = {}, opts = {}) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const msg = { id, op, args };
      if (opts.key !== undefined) msg.key = opts.key;
      const safe = opts.key !== undefined || SAFE_TO_REPEAT.test(op);
      const p = { msg, resolve, reject, safe, sent: false };
      if (opts.key !== undefined && this.journal) p.journaled = this.journal.record(msg);
      this.pending.set(id, p);
      // Behind anything still waiting, so writes go out in the order they were made.
      if (this.isOpen() && !this.flushing && this.outbox.length === 0) {
        this.transmit(p);
      } else {
        if (p.journaled) this.journal.held(msg);
        this.outbox.push(p);
        if (this.isOpen()) this.flush();
      }
    });
  }

  // Writes kept by the journal from an earlier page (or before a sign-in):
  // [{msg: {op, args, key}, maybeSent, resolve, reject}], oldest first. They
  // go before everything else waiting.
  restore(entries) {
    const ps = entries.map((e) => {
      const id = this.nextId++;
      const msg = { id, op: e.msg.op, args: e.msg.args, key: e.msg.key };
      const p = { msg, resolve: e.resolve, reject: e.reject, safe: true, sent: false, maybeSent: !!e.maybeSent, journaled: true };
      this.pending.set(id, p);
      return p;
    });
    this.outbox = ps.concat(this.outbox);
    if (this.isOpen()) this.flush();
  }

  transmit(p) {
    if (!this.pending.has(p.msg.id)) this.pending.set(p.msg.id, p);
    p.sent = true;
    if (p.journaled && this.journal) this.journal.sent(p.msg);
    this.ws.send(JSON.stringify(p.msg));
  }

  // Sends what waits, in order. A write that may already have reached the
  // server and whose key the server does not keep is checked first (the
  // journal asks the server); if it happened, its promise resolves with what
  // the check found and it is not sent again.
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outbox.length && this.isOpen()) {
        const ws = this.ws;
        const p = this.outbox[0];
        if (p.maybeSent && this.journal && this.journal.needsCheck(p.msg)) {
          let found = null;
          try {
            found = await this.journal.check(p.msg, (op, args) => this.send(ws, op, args));
          } catch (e) {
            if (this.ws !== ws || e.code === 'offline') break;
            found = null; // could not tell: send it, the server's answer decides
          }
          if (this.ws !== ws || !this.isOpen()) break;
          if (this.outbox[0] !== p) continue;
          p.maybeSent = false;
          if (found) {
            this.outbox.shift();
            this.pending.delete(p.msg.id);
            if (p.journaled) this.journal.settle(p.msg, true, found);
            p.resolve(found);
            continue;
          }
        }
        this.outbox.shift();
        this.transmit(p);
      }
    } finally {
      this.flushing = false;
    }
  }
}
