import { describe, expect, it } from 'vitest';
import { parseGeinsTimestamp } from './timestamp.js';

const iso = (value: string) => parseGeinsTimestamp(value)?.toISOString();

describe('parseGeinsTimestamp', () => {
  it('reads the ISO 8601 form the docs show, with or without fraction and offset', () => {
    expect(iso('2024-01-15T10:30:00Z')).toBe('2024-01-15T10:30:00.000Z');
    expect(iso('2024-01-15T10:30:00.1234567Z')).toBe('2024-01-15T10:30:00.123Z');
    expect(iso('2024-01-15T11:30:00+01:00')).toBe('2024-01-15T10:30:00.000Z');
  });

  it('takes an ISO time without an offset as UTC, whatever the server time zone', () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ['UTC', 'Pacific/Chatham', 'America/St_Johns']) {
        // Node applies a TZ set at run time to every later date computation.
        process.env.TZ = tz;
        if (tz !== 'UTC') expect(new Date(2024, 0, 15).getTimezoneOffset(), tz).not.toBe(0);
        expect(iso('2024-01-15T10:30:00'), tz).toBe('2024-01-15T10:30:00.000Z');
        expect(iso('2024-01-15 10:30:00'), tz).toBe('2024-01-15T10:30:00.000Z');
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('reads Unix seconds and milliseconds', () => {
    expect(iso('1705314600')).toBe('2024-01-15T10:30:00.000Z');
    expect(iso('1705314600.5')).toBe('2024-01-15T10:30:00.500Z');
    expect(iso('1705314600000')).toBe('2024-01-15T10:30:00.000Z');
  });

  it('reads an HTTP date', () => {
    expect(iso('Mon, 15 Jan 2024 10:30:00 GMT')).toBe('2024-01-15T10:30:00.000Z');
  });

  it('gives undefined rather than a guess for anything else', () => {
    for (const value of [
      '',
      'yesterday',
      '1',
      '12345',
      '123456789012345',
      '15/01/2024',
      '2024-13-45T99:99:99Z',
      'NaN',
    ]) {
      expect(parseGeinsTimestamp(value)).toBeUndefined();
    }
  });
});
