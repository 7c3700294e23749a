import { type Part, readParts, splitParts, templateError } from './template-parts.js';

/** A JSON string value of the template that holds placeholders, and where it sits in the document. */
interface Slot {
  path: readonly (string | number)[];
  parts: readonly Part[];
}

/** A Body template compiled once, when the provider is built. */
export interface BodyTemplate {
  /** Every placeholder name the template uses. */
  readonly placeholders: ReadonlySet<string>;
  /**
   * Reads a parsed body back into placeholder values (every occurrence of each). Returns a description of the first
   * mismatch instead when the body does not have the template's shape.
   */
  read(body: unknown, into: Map<string, string[]>): string | undefined;
}

/**
 * The Body template of the docs' quick start (www.geins.io/developers/webhooks), used when the app gives no
 * template.
 */
export const DEFAULT_BODY_TEMPLATE = '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PLACEHOLDER_AT = /\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/**
 * Compiles a Body template: the JSON text the merchant wrote in the webhook's Body, with placeholders inside string
 * values. Geins substitutes placeholders as plain text, so a template reads back only when each placeholder sits in a
 * JSON string value, apart from any other placeholder, and the whole is valid JSON. Anything else is refused here,
 * with its position, rather than at the first delivery.
 */
// One closure over a hand-written reader (no JSON library reports where placeholders sit in string values): its
// steps share the template and the cursor, so they stay together past the usual length of a function.
export function compileBodyTemplate(template: string): BodyTemplate {
  const fail = (position: number, problem: string): never => {
    throw templateError('Body', template, position, problem);
  };
  const slots: Slot[] = [];
  const placeholders = new Set<string>();
  let i = 0;

  const skipWhitespace = () => {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: past the end template[i] is undefined, no space
    while (i < template.length && WHITESPACE.has(template[i] as string)) i++;
  };
  const expect = (char: string, what: string) => {
    skipWhitespace();
    if (template[i] !== char) fail(i, `expected ${what}`);
    i++;
  };

  /** Reads the JSON string starting at `i` (on its opening quote) into parts. */
  const readString = (): { start: number; parts: Part[] } => {
    const start = i;
    i++;
    while (template[i] !== '"') {
      // At the end the loop would take one more step (no character there is a quote, backslash or control), then stop.
      // Stryker disable next-line EqualityOperator: failing one step past the end gives the same error
      if (i >= template.length) fail(start, 'this string is never closed');
      const c = template.charCodeAt(i);
      if (c === 92 /* \ */) {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(template)) fail(i, 'invalid escape sequence in a JSON string');
        i = ESCAPE.lastIndex;
      } else if (c < 0x20) {
        fail(i, 'control character inside a JSON string; escape it (\\n, \\t, …)');
      } else i++;
    }
    const raw = template.slice(start + 1, i);
    i++;
    const parts = splitParts(raw, start + 1, (literal) => JSON.parse(`"${literal}"`) as string, fail);
    return { start, parts };
  };

  // One case per kind of JSON value (placeholder, object, array, string, literal), all moving the one cursor: kept in
  // one function, past the usual length, so that the grammar reads in one place.
  const readValue = (path: (string | number)[]) => {
    skipWhitespace();
    const c = template[i];
    PLACEHOLDER_AT.lastIndex = i;
    if (PLACEHOLDER_AT.test(template)) {
      const text = template.slice(i, PLACEHOLDER_AT.lastIndex);
      fail(
        i,
        `${text} is not inside a JSON string. Geins substitutes text, so it would render as a bare value ` +
          `(a list of ids such as 12345,12346 makes the body invalid JSON, and entity names are not JSON at all). ` +
          `Quote it: "${text}"`,
      );
    }
    if (c === '{') {
      i++;
      skipWhitespace();
      if (template[i] === '}') {
        i++;
        return;
      }
      const keys = new Set<string>();
      for (;;) {
        skipWhitespace();
        PLACEHOLDER_AT.lastIndex = i;
        if (template[i] !== '"' && !PLACEHOLDER_AT.test(template)) fail(i, 'expected a key in double quotes');
        if (template[i] !== '"') fail(i, 'a placeholder cannot be a JSON key: the key must be known to be read');
        const key = readString();
        const keyPlaceholder = key.parts.find((p) => 'placeholder' in p);
        if (keyPlaceholder) {
          fail(
            key.start,
            `{{${(keyPlaceholder as { placeholder: string }).placeholder}}} is used in a JSON key; a value is read ` +
              'by its key, so keys must be fixed text. Move the placeholder into the value',
          );
        }
        const name = key.parts.length === 0 ? '' : (key.parts[0] as { literal: string }).literal;
        if (keys.has(name)) fail(key.start, `the key "${name}" appears twice in one object`);
        keys.add(name);
        expect(':', "':' after the key");
        readValue([...path, name]);
        skipWhitespace();
        if (template[i] === ',') {
          i++;
          continue;
        }
        expect('}', "',' or '}' after the value");
        return;
      }
    }
    if (c === '[') {
      i++;
      skipWhitespace();
      if (template[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        readValue([...path, index]);
        skipWhitespace();
        if (template[i] === ',') {
          i++;
          continue;
        }
        expect(']', "',' or ']' after the value");
        return;
      }
    }
    if (c === '"') {
      const { parts } = readString();
      if (parts.some((p) => 'placeholder' in p)) {
        slots.push({ path, parts });
        for (const p of parts) if ('placeholder' in p) placeholders.add(p.placeholder);
      }
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (template.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(template)) {
      i = NUMBER.lastIndex;
      return;
    }
    fail(i, i >= template.length ? 'the template ends where a value is expected' : 'expected a JSON value');
  };

  readValue([]);
  skipWhitespace();
  if (i < template.length) fail(i, 'unexpected text after the JSON value');

  return {
    placeholders,
    read(body, into) {
      for (const slot of slots) {
        let node: unknown = body;
        for (const key of slot.path) {
          if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
          else {
            node =
              typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, key)
                ? (node as Record<string, unknown>)[key]
                : undefined;
          }
        }
        const where = `$${slot.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
        if (typeof node !== 'string') return `${where} is ${node === undefined ? 'missing' : 'not a string'}`;
        if (!readParts(slot.parts, node, into)) return `${where} does not have the template's shape`;
      }
      return undefined;
    },
  };
}
