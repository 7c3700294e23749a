const DIGITS = /^\d+(?:\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HTTP_DATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Reads Geins' `x-timestamp` header, whose format is not published. The docs show ISO 8601 (`2024-01-15T10:30:00Z`);
 * Unix seconds or milliseconds and HTTP dates are read too. An ISO time without an offset is taken as UTC, like the
 * docs' example. Anything else gives undefined: a guess would be worse than no date.
 */
export function parseGeinsTimestamp(value: string): Date | undefined {
  const text = value.trim();
  let ms: number;
  if (DIGITS.test(text)) {
    // 9 to 11 digits are seconds (years 1973 to 5138), 12 to 14 milliseconds; other numbers are not times.
    const digits = text.split('.')[0]!.length;
    if (digits < 9 || digits > 14) return undefined;
    ms = digits <= 11 ? Number(text) * 1000 : Number(text);
  } else if (ISO_DATE.test(text)) {
    const hasOffset = ISO_DATE.exec(text)?.[1] !== undefined;
    const hasTime = text.length > 10;
    const iso = text.replace(' ', 'T').replace(',', '.');
    ms = Date.parse(hasTime && !hasOffset ? `${iso}Z` : iso);
  } else if (HTTP_DATE.test(text)) {
    ms = Date.parse(text);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
