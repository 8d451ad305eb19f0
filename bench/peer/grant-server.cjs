// The bench's peer: Grant (npm `grant`) on Express with express-session, the setup Grant's
// README gives, configured for the bench's fake provider. The bench installs the pinned
// packages into a cache directory and runs `node grant-server.cjs <provider-addr>` with
// NODE_PATH pointing there. It prints `grant listening on <port>` once bound.
//
// One flow against it: GET /connect/bench (302 to the provider with a `state`, session
// cookie set) → GET /connect/bench/callback?code=..&state=.. (Grant checks the state and
// exchanges the code at the provider's token URL) → GET /done (the app's callback route,
// which reads Grant's response from the session).
'use strict';

const express = require('express');
const session = require('express-session');
const grant = require('grant');

const provider = process.argv[2];
if (!provider) {
  console.error('usage: node grant-server.cjs <provider host:port>');
  process.exit(2);
}

const app = express();
app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: true }));
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  app.use(
    grant.express({
      defaults: { origin: `http://127.0.0.1:${port}`, transport: 'session', state: true },
      bench: {
        authorize_url: `http://${provider}/authorize`,
        access_url: `http://${provider}/token`,
        oauth: 2,
        key: 'bench-client',
        secret: 'bench-client-secret',
        scope: ['read'],
        callback: '/done',
      },
    }),
  );
  app.get('/done', (req, res) => {
    const response = req.session.grant && req.session.grant.response;
    if (!response || !response.access_token) {
      res.status(500).json({ error: response || 'no grant response in the session' });
      return;
    }
    res.json({ ok: true });
  });
  console.log(`grant listening on ${port}`);
});
