// What the loopback API stubs share: listening on 127.0.0.1 only, closing with their held streams, JSON answers.

// Listens on 127.0.0.1 with a port the kernel picks; resolves to that port.
export async function listenLoopback(server) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server.address().port;
}

// Ends the responses the stub is holding open and every socket, then stops the server.
export async function closeLoopback(server, hanging) {
  for (const res of hanging) res.destroy();
  hanging.clear();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve()));
}

// Answers with a JSON body and status code.
export function sendJson(res, status, obj) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(obj));
}
