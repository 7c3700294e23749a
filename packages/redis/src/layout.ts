import crypto from 'node:crypto';
import calculateSlot from 'cluster-key-slot';

/**
 * Characters of a remembered delivery's digest: the low seven bits of each of the first 14 bytes of the key's SHA-256,
 * so 98 bits in 14 bytes. Seven bits a character keep the digest a one-byte-a-character string, which ioredis writes
 * as it writes the other arguments; a Buffer argument sends the whole command down a slower path (about 3 µs more a
 * command, and more garbage). A new delivery is taken for done only when its digest equals one remembered in its
 * shard: with n remembered, at most n / 2^98 per claim (10 million remembered: about 1 in 3 × 10^22). 64 bits would
 * not be enough: 10^7 / 2^64 is about 1 in 2 × 10^12 per claim, within reach of a platform that runs for years.
 */
export const DIGEST_CHARS = 14;

const SLOTS = 16_384;
/**
 * Hashes per Cluster slot. Four (65,536 hashes) keep each one in Redis's compact listpack encoding (up to 512
 * fields by default) up to about 28 million remembered deliveries, and still fill them enough at a million (15 a
 * hash) that the cost of a key is shared.
 */
export const SHARDS_PER_SLOT = 4;

const TAG_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

let slotTags: string[] | undefined;

/**
 * For every Cluster slot, a three-character tag whose hash lands in it. A key naming `{tag}` lives in that slot, so
 * a delivery's shard can sit in the slot of its claim key, which has no tag (it keeps the name it had before the
 * compact layout, so that claims still read done markers written then). Found by search on first use (about 69,000
 * hashes of three bytes, tens of milliseconds), once per process: no library maps a slot back to a key.
 */
function tagsBySlot(): string[] {
  if (slotTags) return slotTags;
  const tags = new Array<string>(SLOTS);
  const bytes = new Uint8Array(3);
  const size = TAG_ALPHABET.length;
  let filled = 0;
  for (let n = 0; filled < SLOTS; n++) {
    bytes[0] = TAG_ALPHABET.charCodeAt(Math.floor(n / (size * size)));
    bytes[1] = TAG_ALPHABET.charCodeAt(Math.floor(n / size) % size);
    bytes[2] = TAG_ALPHABET.charCodeAt(n % size);
    const slot = calculateSlot(bytes);
    if (tags[slot] === undefined) {
      tags[slot] = String.fromCharCode(bytes[0], bytes[1], bytes[2]);
      filled++;
    }
  }
  slotTags = tags;
  return tags;
}

/** Where one delivery lives. */
export interface Location {
  /** The claim key: a claim in flight, or a delivery remembered in the `keys` layout. */
  claimKey: string;
  /** The hash of the delivery's shard, in the claim key's slot: digest → second its ttl ends. */
  shard: string;
  /** {@link DIGEST_CHARS} characters, each 0–127. */
  digest: string;
}

export interface Layout {
  locate(key: string): Location;
  /** The claim key alone, for an operation that never reads the shard. */
  claimKeyOf(key: string): string;
}

/**
 * Names for the store's keys. `clientPrefix` is the client's own `keyPrefix`, which ioredis puts before every key:
 * the slot of a key is that of its whole name.
 *
 * Claim keys are `<keyPrefix><key>`, as before the compact layout, except that a key starting with `#` gets a second
 * one: names under `<keyPrefix>#d` then belong to the shards alone, whatever keys a provider produces.
 */
export function createLayout(keyPrefix: string, clientPrefix: string | Buffer = ''): Layout {
  const pinned = pinnedByTag(Buffer.concat([Buffer.from(clientPrefix), Buffer.from(keyPrefix)]));
  const tags = tagsBySlot();
  const slotOf =
    typeof clientPrefix === 'string'
      ? (name: string) => slotOfName(clientPrefix + name)
      : (name: string) => calculateSlot(Buffer.concat([clientPrefix, Buffer.from(name)]));
  const claimKeyOf = (key: string) => keyPrefix + (key.charCodeAt(0) === 0x23 ? `#${key}` : key);
  return {
    claimKeyOf,
    locate(key) {
      const claimKey = claimKeyOf(key);
      const hash = sha256(key);
      // Digest bits beyond the kept ones pick the shard within the slot. With a hash tag in the prefix every key has
      // one slot, which then cannot spread the shards: those bits pick all of it.
      const bits = hash.readUInt16BE(DIGEST_CHARS);
      for (let i = 0; i < DIGEST_CHARS; i++) hash[i] = (hash[i] as number) & 0x7f;
      const slot = pinned ? Math.floor(bits / SHARDS_PER_SLOT) : slotOf(claimKey);
      return {
        claimKey,
        shard: `${keyPrefix}#d{${tags[slot]}}${bits % SHARDS_PER_SLOT}`,
        digest: hash.toString('latin1', 0, DIGEST_CHARS),
      };
    },
  };
}

const encoder = new TextEncoder();
const scratch = new Uint8Array(512);

/**
 * The slot of a name, from its UTF-8 bytes written into one reused buffer: the library's own encoder builds a
 * JavaScript array a name, and Buffer.from allocates one (0.9 and 0.7 µs against 0.4 for a 60-character name).
 */
function slotOfName(name: string): number {
  const { read, written } = encoder.encodeInto(name, scratch);
  return read === name.length ? calculateSlot(scratch.subarray(0, written)) : calculateSlot(Buffer.from(name));
}

/** One call where Node has it (20.12 and later): half the time of a Hash object per key. */
const sha256: (key: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (key) => crypto.hash('sha256', key, 'buffer')
    : (key) => crypto.createHash('sha256').update(key).digest();

/**
 * True when the prefix holds a whole hash tag (`{…}`, not empty), so that it alone picks the slot of every key. A
 * `{` without one would take part of the key or of the shard name into the tag, and put the two in different slots.
 */
function pinnedByTag(prefix: Buffer): boolean {
  const open = prefix.indexOf('{');
  if (open === -1) return false;
  const close = prefix.indexOf('}', open + 1);
  if (close > open + 1) return true;
  throw new TypeError(
    "@hookinbox/redis: invalid options: keyPrefix: a '{' must open a hash tag closed within the prefix, e.g. 'app{1}:' " +
      "(the client's keyPrefix counts too)",
  );
}
