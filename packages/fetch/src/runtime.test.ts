import { describe, expect, it } from 'vitest';
import { detectRuntime } from './runtime.js';

describe('detectRuntime', () => {
  it('a plain Node process is a server', () => {
    expect(detectRuntime({ process: { env: { NODE_ENV: 'production' } } })).toBe('server');
    expect(detectRuntime({})).toBe('server');
  });

  it.each([
    ['Cloudflare Workers', { navigator: { userAgent: 'Cloudflare-Workers' } }],
    ['the Vercel Edge runtime', { EdgeRuntime: 'edge-runtime' }],
    ['Vercel functions', { process: { env: { VERCEL: '1' } } }],
    ['AWS Lambda (and Netlify Functions on it)', { process: { env: { AWS_LAMBDA_FUNCTION_NAME: 'hooks' } } }],
    ['Google Cloud Run', { process: { env: { K_SERVICE: 'hooks' } } }],
    ['Azure Functions', { process: { env: { FUNCTIONS_WORKER_RUNTIME: 'node' } } }],
    ['Deno Deploy', { Deno: { env: { get: (name: string) => (name === 'DENO_DEPLOYMENT_ID' ? 'abc' : undefined) } } }],
  ])('%s is serverless', (_name, globals) => {
    expect(detectRuntime(globals)).toBe('serverless');
  });

  it('Deno without permission to read the environment is a server, not an exception', () => {
    const denied = () => {
      throw new Error('Requires env access');
    };
    expect(detectRuntime({ Deno: { env: { get: denied } } })).toBe('server');
  });
});
