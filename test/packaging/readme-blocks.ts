import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { Lexer, type Token } from 'marked';

/**
 * A README code block marked for checking, by an HTML comment just above it:
 *
 * `<!-- check: app name=express-genstore modules=esm,cjs path=/webhooks/genstore send=genstore:orders/create -->`
 *
 * - `app`: type-checked, then run: it must listen on `PORT`, answer signed deliveries on `path`, and on SIGTERM let
 *   every running handler finish and exit 0. `module`: type-checked only (a block that starts no server).
 * - `modules`: the module systems the README says the block runs in (`esm`, `cjs`); top-level `await` is ESM only.
 * - `send`: `genstore:<topic>` or `geins:<Entity.action>`, the deliveries to post; an app without it is only
 *   checked to answer on `path` and to stop on SIGTERM.
 * - `geins-body`: the Geins Body template the app configured, when not the default one.
 */
export interface CheckedBlock {
  kind: 'app' | 'module';
  /** Unique: the file name the block is saved under. */
  name: string;
  modules: ModuleSystem[];
  path?: string;
  send?: { platform: 'genstore' | 'geins'; name: string };
  geinsBody?: string;
  code: string;
  /** `README.md:42`, for messages. */
  where: string;
}

export type ModuleSystem = 'esm' | 'cjs';

const MARKER = /^<!--\s*check:\s*(app|module)\b(.*?)-->\s*$/s;
const ATTRIBUTE = /([a-z-]+)=(?:'([^']*)'|(\S+))/g;
const KNOWN = new Set(['name', 'modules', 'path', 'send', 'geins-body']);
const SCRIPT_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mts', 'cts', 'mjs', 'cjs']);

/**
 * Every checked block of the given Markdown files. Throws, naming the place, on a marker that is malformed or not
 * followed by a code block, on a duplicated name, and on a script block that starts a server (`.listen(`) without a
 * marker: a quick start nobody runs would rot unseen.
 */
export async function readCheckedBlocks(files: string[], root: string): Promise<CheckedBlock[]> {
  const blocks: CheckedBlock[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    // marked's top-level tokens cover the source end to end, so their raw lengths give each token's line.
    let line = 1;
    let pending: { kind: CheckedBlock['kind']; attributes: string; where: string } | undefined;
    for (const token of new Lexer().lex(source) as Token[]) {
      const where = `${relative(root, file)}:${line}`;
      line += token.raw.split('\n').length - 1;
      if (token.type === 'space') continue;
      const marker = token.type === 'html' ? MARKER.exec(token.raw.trim()) : null;
      if (pending && token.type !== 'code')
        problems.push(`${pending.where}: the check marker is not followed by a code block`);
      if (marker) {
        pending = { kind: marker[1] as CheckedBlock['kind'], attributes: marker[2] as string, where };
        continue;
      }
      if (token.type === 'code') {
        if (pending) {
          const block = parseBlock(pending.kind, pending.attributes, token.text, pending.where);
          if (typeof block === 'string') problems.push(`${pending.where}: ${block}`);
          else blocks.push(block);
        } else if (SCRIPT_LANGUAGES.has(token.lang ?? '') && /\.listen\(/.test(token.text)) {
          problems.push(`${where}: this block starts a server but has no <!-- check: app … --> marker above it`);
        }
      }
      pending = undefined;
    }
    if (pending) problems.push(`${pending.where}: the check marker is not followed by a code block`);
  }
  const seen = new Set<string>();
  for (const block of blocks) {
    if (seen.has(block.name)) problems.push(`${block.where}: another checked block is also named ${block.name}`);
    seen.add(block.name);
  }
  if (problems.length > 0) throw new Error(`README check markers:\n  ${problems.join('\n  ')}`);
  return blocks;
}

/** The block, or what is wrong with its marker. */
function parseBlock(kind: CheckedBlock['kind'], text: string, code: string, where: string): CheckedBlock | string {
  const attributes = new Map<string, string>();
  for (const match of text.matchAll(ATTRIBUTE)) {
    const key = match[1] as string;
    if (!KNOWN.has(key)) return `unknown attribute ${key} (known: ${[...KNOWN].join(', ')})`;
    attributes.set(key, match[2] ?? (match[3] as string));
  }
  const name = attributes.get('name');
  if (!name || !/^[a-z0-9-]+$/.test(name)) return 'name= must be given, in lower-case letters, digits and -';
  const modules = (attributes.get('modules') ?? '').split(',').filter(Boolean);
  if (modules.length === 0 || modules.some((m) => m !== 'esm' && m !== 'cjs'))
    return 'modules= must list esm and/or cjs';
  const block: CheckedBlock = { kind, name, modules: modules as ModuleSystem[], code, where };
  if (kind === 'module') return attributes.size > 2 ? 'a module block takes only name= and modules=' : block;

  block.path = attributes.get('path');
  if (!block.path?.startsWith('/')) return 'an app block needs path=/its/webhook/route';
  const send = attributes.get('send');
  if (send !== undefined) {
    const [platform, event] = send.split(':');
    if ((platform !== 'genstore' && platform !== 'geins') || !event)
      return 'send= must be genstore:<topic> or geins:<Entity.action>';
    block.send = { platform, name: event };
  }
  block.geinsBody = attributes.get('geins-body');
  return block;
}
