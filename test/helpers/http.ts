import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends a request over a real socket, writing `chunks` one at a time with a pause between them, so the server
 * sees the body arrive in pieces (e.g. a multi-byte character split across two chunks).
 */
export function sendChunks(
  url: string,
  options: { method?: string; headers: Record<string, string>; chunks: Buffer[]; pauseMs?: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    (async () => {
      for (const chunk of options.chunks) {
        req.write(chunk);
        await new Promise((r) => setTimeout(r, options.pauseMs ?? 20));
      }
      req.end();
    })();
  });
}

/**
 * Sends a request with a body of `size` bytes as many platform senders do: the whole body first, and only then reads
 * the answer. Resolves with the status line's code; rejects when the connection was reset or closed before an answer
 * could be read (what a sender sees when a server stops reading and closes while it is still writing).
 */
export function sendLarge(url: string, size: number, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.on('error', reject);
    socket.pause(); // nothing is read before the body is out
    const head = [`POST ${pathname} HTTP/1.1`, `host: ${hostname}:${port}`, `content-length: ${size}`];
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(Buffer.alloc(size, 'a'), (error) => {
      if (error) return reject(error);
      const parts: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        const text = Buffer.concat(parts).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
        const complete = length ? text.length >= end + 4 + Number(length[1]) : text.endsWith('\r\n0\r\n\r\n');
        if (!complete) return;
        socket.destroy();
        const body = text.slice(end + 4);
        // A chunked body: its one chunk, between the size line and the last chunk.
        const payload = length ? body : body.slice(body.indexOf('\r\n') + 2, body.lastIndexOf('\r\n0\r\n'));
        resolve({ status: Number(text.slice(9, 12)), headers: {}, text: payload });
      });
      socket.on('end', () => reject(new Error('the server closed the connection without an answer')));
      socket.resume();
    });
  });
}
