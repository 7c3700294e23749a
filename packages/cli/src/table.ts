/**
 * Formats rows as a plain-text table with a header line, columns padded to their widest cell. Cells are single
 * line: line breaks are shown as `⏎`.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string) => cell.replace(/\r?\n/g, '⏎');
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const SECRET_PARAM = /token|secret|key|auth|sig|pass/i;

/** A URL for display: values of query parameters that look like credentials are replaced with `***`. */
export function redactUrl(url: string | null | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = pair.slice(0, eq);
      return SECRET_PARAM.test(name) ? `${name}=***` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** Header lines for display: names only, values hidden (they usually hold the shared secret). */
export function redactHeaders(headers: string | null | undefined): string {
  if (!headers) return '';
  return headers
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => `${line.split(':')[0]?.trim()}: ***`)
    .join(', ');
}
