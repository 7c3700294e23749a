/** One piece of a templated text: literal text, or a placeholder whose value fills that place. */
export type Part = { literal: string } | { placeholder: string };

/** `{{name}}`, exactly as Geins writes its placeholders. Other `{{…}}` text is literal. */
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** Which template an error is about, as the Geins webhook settings name it. */
export type TemplateKind = 'Body' | 'Url';

/**
 * The error a template that cannot be read back is refused with, when the provider is built. It shows the template
 * around the problem with a caret under it, so the fix is obvious.
 */
export function templateError(kind: TemplateKind, template: string, position: number, problem: string): TypeError {
  const from = Math.max(0, position - 40);
  const to = Math.min(template.length, position + 40);
  // Newlines and tabs would break the caret's alignment.
  const excerpt = template.slice(from, to).replace(/[\r\n\t]/g, ' ');
  const prefix = from > 0 ? '…' : '';
  const suffix = to < template.length ? '…' : '';
  return new TypeError(
    `@hookinbox/geins: the ${kind} template cannot be read back: ${problem} (at position ${position})\n` +
      `  ${prefix}${excerpt}${suffix}\n` +
      `  ${' '.repeat(prefix.length + position - from)}^`,
  );
}

/**
 * Splits templated text into parts. `decode` turns literal template text into what a delivery's value holds there
 * (JSON unescaping in the Body, URL decoding in the Url); `offset` is where `text` starts in the whole template.
 *
 * Refuses two placeholders with nothing between them: their values would run together and no rule could split them.
 */
export function splitParts(
  text: string,
  offset: number,
  decode: (literal: string, position: number) => string,
  fail: (position: number, problem: string) => never,
): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const at = match.index;
    if (at > last) parts.push({ literal: decode(text.slice(last, at), offset + last) });
    else if (parts.length > 0) {
      const previous = parts[parts.length - 1] as { placeholder: string };
      fail(
        offset + at,
        `{{${previous.placeholder}}}{{${match[1]}}} are adjacent; with nothing between them their values cannot be ` +
          `told apart. Put a separator between them, e.g. {{${previous.placeholder}}}.{{${match[1]}}}`,
      );
    }
    parts.push({ placeholder: match[1] as string });
    last = at + match[0].length;
  }
  if (last < text.length) parts.push({ literal: decode(text.slice(last), offset + last) });
  return parts;
}

/** True when `parts` has at least one placeholder. */
export function hasPlaceholder(parts: readonly Part[]): boolean {
  return parts.some((p) => 'placeholder' in p);
}

/** The first placeholder of `text` and where it starts, for errors about placeholders where they cannot be read back. */
export function firstPlaceholder(text: string): { name: string; index: number } | undefined {
  for (const match of text.matchAll(PLACEHOLDER)) return { name: match[1] as string, index: match.index };
  return undefined;
}

/**
 * Reads a rendered value back into its placeholders' values, or returns undefined when it does not have the
 * template's shape. Each placeholder ends at the first occurrence of the literal after it (the last one at the
 * value's end), so `{{entity}}.{{action}}` reads `Order.create` as `Order` and `create`. Linear in the value's length.
 */
export function readParts(parts: readonly Part[], value: string, into: Map<string, string[]>): boolean {
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Part;
    if ('literal' in part) {
      if (!value.startsWith(part.literal, pos)) return false;
      pos += part.literal.length;
      continue;
    }
    const next = parts[i + 1] as { literal: string } | undefined;
    let end: number;
    if (next === undefined) end = value.length;
    else if (i + 2 === parts.length) {
      // The literal closes the value: the placeholder runs up to it, separators inside included.
      end = value.length - next.literal.length;
      if (end < pos || !value.endsWith(next.literal)) return false;
    } else {
      end = value.indexOf(next.literal, pos);
      if (end === -1) return false;
    }
    const found = into.get(part.placeholder);
    const text = value.slice(pos, end);
    if (found) found.push(text);
    else into.set(part.placeholder, [text]);
    pos = end;
  }
  return pos === value.length;
}
