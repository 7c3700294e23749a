import type { WaitUntil } from '@hookinbox/core';
import { z } from 'zod';
import type { FetchRuntime } from './runtime.js';

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions {
  /**
   * Keeps the runtime alive for the handlers after the response: Next.js' `after`, Vercel's `waitUntil` from
   * `@vercel/functions`. A `waitUntil` passed with each request (Cloudflare's `ctx`) comes first.
   */
  waitUntil?: WaitUntil;
  /**
   * `serverless` when the runtime may freeze after the response; default: detected (see `detectRuntime`). There, a
   * receiver that runs handlers after its answer (the default `immediate` mode) needs a `waitUntil`; a request without
   * one is refused with 500 `internal_error` before its body is read, so the provider retries and nothing is lost.
   */
  runtime?: FetchRuntime;
}

/** Parsed once, when the handler is built. */
export const fetchHandlerOptionsSchema = z
  .object({
    waitUntil: z
      .custom<WaitUntil>((value) => typeof value === 'function', {
        message: "must be a function such as Next.js' after or Vercel's waitUntil",
      })
      .optional(),
    runtime: z.enum(['server', 'serverless']).optional(),
  })
  .strict();
