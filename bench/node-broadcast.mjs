// A plain Node.js `ws` broadcast server for the fan-out benchmark. No persistence.
// A client's room is its URL path. A message goes to every other open client
// of the sender's room; a text message "@<room> <payload>" goes, without that
// prefix, to every client of the room "/<room>" (one publisher, many rooms).
//   node bench/node-broadcast.mjs PORT
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2] || 9002);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
const rooms = new Map(); // path -> Set of sockets

function send(room, data, isBinary, except) {
  const members = rooms.get(room);
  if (!members) return;
  for (const c of members)
    if (c !== except && c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
}

wss.on('connection', (ws, req) => {
  const path = (req.url || '/').split('?')[0];
  if (!rooms.has(path)) rooms.set(path, new Set());
  rooms.get(path).add(ws);
  ws.on('close', () => rooms.get(path).delete(ws));
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data[0] === 0x40 /* @ */) {
      const sp = data.indexOf(0x20);
      if (sp > 1) send('/' + data.toString('latin1', 1, sp), data.subarray(sp + 1), false, ws);
      return;
    }
    send(path, data, isBinary, ws);
  });
});
wss.on('listening', () => console.log(`node-broadcast listening on 127.0.0.1:${port}`));
