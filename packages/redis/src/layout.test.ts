import { createHash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLayout, DIGEST_CHARS, SHARDS_PER_SLOT } from './layout.js';

/** The slot Redis gives a key, from its bytes (ioredis puts the client's keyPrefix before the name). */
const slotOf = (name: string | Buffer) => calculateSlot(Buffer.from(name));

describe('createLayout', () => {
  it('puts the shard of every key in the Cluster slot of its claim key', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.constantFrom('', 'tenant:'),
        (key, clientPrefix) => {
          const layout = createLayout('hookinbox:', clientPrefix);
          const { claimKey, shard } = layout.locate(key);
          expect(slotOf(clientPrefix + shard)).toBe(slotOf(clientPrefix + claimKey));
        },
      ),
      { numRuns: 2_000 },
    );
    // Keys with braces of their own: the tag of the claim key may come from the key.
    for (const key of ['{order}-1', 'a{b}c', '{}x', 'x{', '}{y}', '{😀}']) {
      const { claimKey, shard } = createLayout('p:').locate(key);
      expect(slotOf(shard)).toBe(slotOf(claimKey));
    }
  });

  it('counts a client keyPrefix given as bytes', () => {
    const clientPrefix = Buffer.from([0xff, 0x00, 0x41]);
    const { claimKey, shard } = createLayout('p:', clientPrefix).locate('order-1');
    expect(slotOf(Buffer.concat([clientPrefix, Buffer.from(shard)]))).toBe(
      slotOf(Buffer.concat([clientPrefix, Buffer.from(claimKey)])),
    );
  });

  it('keeps 98 bits of the SHA-256 of the key as its digest: the low seven of each of the first 14 bytes', () => {
    const { digest } = createLayout('p:').locate('genstore:webhook:1');
    const hash = createHash('sha256').update('genstore:webhook:1').digest();
    expect(digest).toHaveLength(DIGEST_CHARS);
    expect([...digest].map((char) => char.charCodeAt(0))).toEqual([...hash.subarray(0, 14)].map((byte) => byte & 0x7f));
    // One byte a character on the wire, as ioredis sends strings (UTF-8).
    expect(Buffer.byteLength(digest)).toBe(DIGEST_CHARS);
  });

  it('keeps the claim key of the layout before it, doubling a leading # so that no claim key is a shard', () => {
    const layout = createLayout('hookinbox:');
    expect(layout.claimKeyOf('genstore:webhook:1')).toBe('hookinbox:genstore:webhook:1');
    expect(layout.claimKeyOf('#d{abc}0')).toBe('hookinbox:##d{abc}0');
    expect(layout.claimKeyOf('#')).toBe('hookinbox:##');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (key) => {
        const { claimKey, shard } = layout.locate(key);
        expect(claimKey.startsWith('hookinbox:#d')).toBe(false);
        expect(shard.startsWith('hookinbox:#d{')).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('spreads keys over 65,536 shards, also when a hash tag in the prefix pins every key to one slot', () => {
    for (const prefix of ['hookinbox:', 'app{1}:']) {
      const layout = createLayout(prefix);
      const shards = new Set<string>();
      const slots = new Set<number>();
      for (let i = 0; i < 20_000; i++) {
        const { shard } = layout.locate(`genstore:webhook:${i}`);
        shards.add(shard);
        slots.add(slotOf(shard));
      }
      // 20,000 keys into 65,536 shards: about 17,600 distinct ones when the spread is even; over 16,384 slots,
      // about 11,200.
      expect(shards.size).toBeGreaterThan(17_000);
      if (prefix === 'app{1}:') expect(slots).toEqual(new Set([slotOf('{1}')]));
      else expect(slots.size).toBeGreaterThan(10_800);
    }
    expect(SHARDS_PER_SLOT * 16_384).toBe(65_536);
  });

  it.each([
    ['an unclosed {', 'app{1:'],
    ['an empty {}', 'app{}:'],
    ['a } before its {', 'a}b{'],
  ])('refuses a prefix with %s', (_name, keyPrefix) => {
    expect(() => createLayout(keyPrefix)).toThrow(TypeError);
    expect(() => createLayout(keyPrefix)).toThrow(/keyPrefix: a '\{' must open a hash tag/);
  });

  it("accepts a tag opened in the client's keyPrefix and closed in the store's", () => {
    const layout = createLayout('1}:', 'tenant{');
    const { claimKey, shard } = layout.locate('order-1');
    expect(slotOf(`tenant{${shard}`)).toBe(slotOf(`tenant{${claimKey}`));
    expect(slotOf(`tenant{${claimKey}`)).toBe(slotOf('1'));
  });
});
