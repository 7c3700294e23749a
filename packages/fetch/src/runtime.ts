/** Where the handler runs: a long-lived `server`, or a `serverless` runtime that may freeze once it has answered. */
export type FetchRuntime = 'server' | 'serverless';

interface RuntimeGlobals {
  EdgeRuntime?: unknown;
  navigator?: { userAgent?: unknown };
  process?: { env?: Record<string, string | undefined> };
  Deno?: { env?: { get?(name: string): string | undefined } };
}

/**
 * Environment variables set by platforms that run a function per request and freeze or end it after the response,
 * so work left running is lost: Vercel (`VERCEL`), AWS Lambda and what runs on it, Netlify Functions and Amplify
 * included (`AWS_LAMBDA_FUNCTION_NAME`), Google Cloud Run and Cloud Functions, whose CPU is throttled outside a
 * request by default (`K_SERVICE`), Azure Functions (`FUNCTIONS_WORKER_RUNTIME`).
 */
const SERVERLESS_ENV = ['VERCEL', 'AWS_LAMBDA_FUNCTION_NAME', 'K_SERVICE', 'FUNCTIONS_WORKER_RUNTIME'] as const;

/**
 * `serverless` on the runtimes known to freeze after the response: Cloudflare Workers (their user agent), the Vercel
 * Edge runtime (its `EdgeRuntime` global), Deno Deploy (`DENO_DEPLOYMENT_ID`) and the platforms of
 * {@link SERVERLESS_ENV}; `server` elsewhere. Read through `globalThis`, so it runs on any runtime.
 */
export function detectRuntime(globals: RuntimeGlobals = globalThis as RuntimeGlobals): FetchRuntime {
  if (globals.EdgeRuntime !== undefined) return 'serverless';
  if (globals.navigator?.userAgent === 'Cloudflare-Workers') return 'serverless';
  const env = globals.process?.env;
  if (env && SERVERLESS_ENV.some((name) => env[name])) return 'serverless';
  if (denoDeploymentId(globals)) return 'serverless';
  return 'server';
}

function denoDeploymentId(globals: RuntimeGlobals): string | undefined {
  try {
    return globals.Deno?.env?.get?.('DENO_DEPLOYMENT_ID');
  } catch {
    // Deno without --allow-env throws: not Deno Deploy, where the environment is always readable.
    return undefined;
  }
}
