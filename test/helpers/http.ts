import { request } from 'node:http';

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
