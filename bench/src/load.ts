import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

/** One request of the load: its headers and body. */
export interface LoadRequest {
  headers: Record<string, string>;
  body: Buffer;
}

/** What a load phase measured, in a form that adds up across rounds. */
export interface Measured {
  /** Wall time the load ran, in seconds. */
  seconds: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Every answered request's latency in milliseconds (2xx and not). */
  latencies: number[];
}

export interface LoadOptions {
  port: number;
  path: string;
  seconds: number;
  next: () => LoadRequest;
}

/**
 * As fast as `connections` keep-alive connections go: autocannon, with each request built by `next` so that every
 * one is distinct. Latencies are taken from autocannon's response events (fractional milliseconds) so that rounds
 * can be added up exactly.
 */
export function closedLoop(options: LoadOptions & { connections: number }): Promise<Measured> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}${options.path}`,
        method: 'POST',
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            setupRequest: (req: any) => {
              const { headers, body } = options.next();
              req.headers = headers;
              req.body = body;
              return req;
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({
          seconds: (performance.now() - started) / 1000,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          latencies,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

/**
 * A fixed rate, evenly paced: one request every 1/rate seconds whatever the answers do. autocannon's `overallRate`
 * is not used here because it lets each connection send its whole per-second quota at once at the start of every
 * second, which measures the queue behind that burst rather than the time to answer one delivery.
 */
export function paced(options: LoadOptions & { rate: number }): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const gapMs = 1000 / options.rate;
  const result: Measured = { seconds: 0, ok: 0, non2xx: 0, errors: 0, latencies: [] };
  let sent = 0;
  let settled = 0;
  const started = performance.now();

  return new Promise((resolve) => {
    const done = () => {
      settled++;
      if (settled < total) return;
      clearTimeout(giveUp);
      result.seconds = (performance.now() - started) / 1000;
      agent.destroy();
      resolve(result);
    };
    const sendOne = () => {
      const { headers, body } = options.next();
      const t0 = performance.now();
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: options.port,
          path: options.path,
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            result.latencies.push(performance.now() - t0);
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) result.ok++;
            else result.non2xx++;
            done();
          });
        },
      );
      req.on('error', () => {
        result.errors++;
        done();
      });
      req.end(body);
    };
    // A 1 ms tick sends whatever is due, so the pace holds even when a tick comes late.
    const ticker = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - started) / gapMs) + 1);
      while (sent < due) {
        sent++;
        sendOne();
      }
      if (sent >= total) clearInterval(ticker);
    }, 1);
    // Bounded: answers that never come are counted as errors once the run is well past its end.
    const giveUp = setTimeout(
      () => {
        clearInterval(ticker);
        result.errors += total - settled;
        settled = total - 1;
        done();
      },
      options.seconds * 1000 + 15_000,
    );
  });
}

/** The value below which `q` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
