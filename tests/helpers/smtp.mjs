// A real SMTP server for tests (npm smtp-server, the nodemailer maintainers' server) on 127.0.0.1
// with a random port. Every message it accepts is parsed with a real MIME parser (mailparser), so a
// test sees what a mail client would: the decoded subject, the text part and the HTML part.
//
//   const smtp = await startSmtp();             // or startSmtp({auth: {user, pass}})
//   process.env.USER_CLEANUP_SMTP_URL = smtp.url;
//   ... send ...
//   const [m] = await smtp.waitFor(1);          // {envelope, raw, subject, text, html, messageId, headers, from, to}
//   smtp.failNext(451, 'try later');            // the next message's DATA is answered 451 (or 550 …)
//   await smtp.close();
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { createServer } from 'node:net';

/**
 * @param {{auth?: {user: string, pass: string}, authReply?: (auth) => string, delayMs?: number, listen?: string}} [o]  with auth, a login
 *   is required (AUTH over plain text is allowed: the server is on this machine only); authReply
 *   words the answer to a failed login; listen: the address to bind (default 127.0.0.1; '::' to be
 *   reachable as [::ffff:127.0.0.1], a name the sender does not treat as this machine).
 */
export async function startSmtp(o = {}) {
  const messages = [];
  const authAttempts = [];
  const failures = []; // queued {code, message} for the next DATA commands
  const waiters = [];
  const wake = () => {
    for (const w of [...waiters]) if (messages.length >= w.count) w.resolve();
  };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'], // plain SMTP on loopback: no certificate to manage in tests
    authOptional: !o.auth,
    allowInsecureAuth: true,
    closeTimeout: 500,
    // delayMs: every envelope step answers late (a slow server: each step in time, the whole not).
    onMailFrom(address, session, cb) {
      setTimeout(cb, o.delayMs ?? 0);
    },
    onRcptTo(address, session, cb) {
      setTimeout(cb, o.delayMs ?? 0);
    },
    onAuth(auth, session, cb) {
      authAttempts.push({ username: auth.username, method: auth.method });
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) return cb(null, { user: auth.username });
      // authReply lets a test play a careless server that echoes what it was sent.
      const e = new Error(o.authReply ? o.authReply(auth) : 'Invalid username or password');
      e.responseCode = 535;
      return cb(e);
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const fail = failures.shift();
        if (fail) {
          const e = new Error(fail.message);
          e.responseCode = fail.code;
          return cb(e);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        try {
          const parsed = await simpleParser(raw);
          messages.push({
            envelope: { from: session.envelope.mailFrom?.address, to: session.envelope.rcptTo.map((r) => r.address) },
            raw,
            parsed,
            subject: parsed.subject,
            text: parsed.text,
            html: parsed.html,
            messageId: parsed.messageId,
            headers: parsed.headers,
            from: parsed.from?.text,
            to: parsed.to?.text,
          });
          cb();
          wake();
        } catch (err) {
          cb(err);
        }
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, o.listen ?? '127.0.0.1', resolve);
  });
  const { port } = server.server.address();
  const cred = o.auth ? `${encodeURIComponent(o.auth.user)}:${encodeURIComponent(o.auth.pass)}@` : '';
  return {
    url: `smtp://${cred}127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    messages,
    authAttempts,
    /** The next DATA is answered with this SMTP code (4xx temporary, 5xx permanent). */
    failNext(code = 451, message = 'Temporary failure, try again later') {
      failures.push({ code, message });
    },
    /** Resolves when at least `count` messages arrived; rejects after timeoutMs. */
    waitFor(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const w = {
          count,
          resolve: () => {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            resolve(messages.slice());
          },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`waited ${timeoutMs} ms for ${count} message(s), ${messages.length} arrived`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound once, then released): connections are refused. */
export async function closedPort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs). */
export async function startSilentServer() {
  const sockets = new Set();
  const s = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => resolve());
      }),
  };
}
