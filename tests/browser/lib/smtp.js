// A small SMTP server for the browser tests: accepts every mail on a loopback port and keeps
// it. mail.header(name) unfolds a header; mail.text() decodes the text/plain part
// (quoted-printable, base64 or plain), as the service's mails are multipart/alternative.
import net from 'node:net';

function unfoldHeaders(head) {
  const out = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1] += line;
    else out.push(line);
  }
  return out;
}

function header(head, name) {
  const prefix = `${name.toLowerCase()}:`;
  const line = unfoldHeaders(head).find((l) => l.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}

function quotedPrintable(s) {
  const bytes = [];
  const text = s.replace(/=\r\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

class Mail {
  constructor(from, rcpt, raw) {
    Object.assign(this, { from, rcpt, raw });
  }

  header(name) {
    return header(this.raw.split('\r\n\r\n')[0], name);
  }

  /** The decoded body of the part whose content type starts with `mime`. */
  part(mime) {
    const boundary = /boundary="?([^";]+)"?/.exec(this.header('content-type') || '')?.[1];
    if (!boundary) throw new Error(`not multipart: ${this.raw}`);
    for (const part of this.raw.split(`--${boundary}`)) {
      const at = part.indexOf('\r\n\r\n');
      if (at < 0) continue;
      const head = part.slice(0, at);
      if (!(header(head, 'content-type') || '').startsWith(mime)) continue;
      const body = part.slice(at + 4);
      const cte = header(head, 'content-transfer-encoding');
      const text = cte === 'quoted-printable'
        ? quotedPrintable(body)
        : cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
      return text.replace(/\r\n/g, '\n');
    }
    throw new Error(`no ${mime} part: ${this.raw}`);
  }

  text() {
    return this.part('text/plain');
  }
}

/** Listens on 127.0.0.1; resolves to `{ port, mails, waitFor(pred), close() }`. */
export async function startSmtp() {
  const mails = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let data = null;
    let from = '';
    let rcpt = [];
    const reply = (s) => socket.write(`${s}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data !== null) {
          if (line === '.') {
            mails.push(new Mail(from, rcpt, data));
            data = null;
            reply('250 queued');
          } else {
            data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith('EHLO')) reply('250-sink\r\n250 8BITMIME');
        else if (upper.startsWith('MAIL FROM:')) {
          from = line.slice(10).trim().replace(/[<>]/g, '');
          rcpt = [];
          reply('250 ok');
        } else if (upper.startsWith('RCPT TO:')) {
          rcpt.push(line.slice(8).trim().replace(/[<>]/g, ''));
          reply('250 ok');
        } else if (upper === 'DATA') {
          data = '';
          reply('354 go on');
        } else if (upper === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('250 ok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    mails,
    /** The first mail `pred` accepts, waiting up to 30 s for it. */
    async waitFor(pred, what = 'a mail') {
      for (let i = 0; i < 300; i++) {
        const m = mails.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${what} among ${mails.length} mails: ${mails.map((m) => m.header('subject')).join(' | ')}`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
