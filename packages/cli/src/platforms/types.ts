import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from '../io.js';

/** parseArgs option declarations. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed command line values. */
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** A request as the platform would send it. */
export interface OutgoingDelivery {
  method: string;
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** What `send` and `simulate` read before the platform builds deliveries. */
export interface DeliveryInput {
  /** `--payload`, read from its file (send only). */
  payload?: Buffer | undefined;
  /** `--header` lines, lower-case names. */
  headers: Record<string, string>;
  /** The command, for messages. */
  command: string;
}

/** Builds the deliveries `send` and `simulate` post, from the command line. */
export interface DeliverySource {
  /** What the delivery is, for the output: a topic, or `Entity.action`. */
  label: string;
  /**
   * One delivery. With `unique`, the body carries it as its id (so distinct deliveries have distinct bodies) and the
   * platform's delivery-id header is derived from it; without, the command line's values are used as given.
   */
  make(unique?: string): OutgoingDelivery;
  /**
   * The platform's retry schedule for these deliveries: the waits between tries, in milliseconds (its length is the
   * number of retries).
   */
  retryDelaysMs: readonly number[];
  /** How long the platform waits for an answer before counting a try as failed. */
  timeoutMs: number;
}

/** What `subscriptions sync` prints and does, for one platform. */
export interface PlannedSync {
  title: string;
  /** The plan as data, for `--json`. */
  plan: {
    create: readonly unknown[];
    update: readonly unknown[];
    stale: readonly unknown[];
    unchanged: readonly unknown[];
  };
  table(deleteStale: boolean): string;
  /** Counts particular to the platform, e.g. `2 skipped`. */
  extraSummary: readonly string[];
  apply(
    deleteStale: boolean,
  ): Promise<{ created: readonly unknown[]; updated: readonly unknown[]; deleted: readonly string[] }>;
}

/** One platform's part of every command; the commands never mention a platform by name. */
export interface CliPlatform {
  readonly name: 'genstore' | 'geins';
  /** Options `subscriptions sync` takes for this platform. */
  readonly syncOptions: OptionSpec;
  /** Options `send` and `simulate` take for this platform. */
  readonly deliveryOptions: OptionSpec;
  /** `subscriptions list`: writes the registered subscriptions. */
  list(io: CliIo, json: boolean): Promise<void>;
  plan(values: Values, io: CliIo): Promise<PlannedSync>;
  deliveries(values: Values, io: CliIo, input: DeliveryInput): Promise<DeliverySource>;
}
