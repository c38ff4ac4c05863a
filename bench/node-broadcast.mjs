// A plain Node.js `ws` broadcast server for the fan-out benchmark: every
// message a client sends goes to every other open client. No persistence.
//   node bench/node-broadcast.mjs PORT
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2] || 9002);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: true });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const c of wss.clients)
      if (c !== ws && c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => console.log(`node-broadcast listening on 127.0.0.1:${port}`));
