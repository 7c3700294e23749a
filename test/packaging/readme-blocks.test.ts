import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckedBlocks } from './readme-blocks.js';

const fence = '```';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookinbox-readme-blocks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a README with this text and reads its checked blocks. */
async function blocksOf(markdown: string) {
  const file = join(dir, 'README.md');
  await writeFile(file, markdown);
  return readCheckedBlocks([file], dir);
}

const app = (marker: string, code = 'app.listen(Number(process.env.PORT ?? 3000));') =>
  `# Title\n\nSome text.\n\n${marker}\n${fence}ts\n${code}\n${fence}\n`;

describe('readCheckedBlocks', () => {
  it('reads an app block with its attributes, code and line', async () => {
    const body = '{"entity":"{{entity}}","id":"{{id}}"}';
    const [block] = await blocksOf(
      app(
        `<!-- check: app name=fastify-geins modules=esm,cjs path=/webhooks/geins send=geins:Order.create geins-body='${body}' -->`,
      ),
    );
    expect(block).toEqual({
      kind: 'app',
      name: 'fastify-geins',
      modules: ['esm', 'cjs'],
      path: '/webhooks/geins',
      send: { platform: 'geins', name: 'Order.create' },
      geinsBody: body,
      code: 'app.listen(Number(process.env.PORT ?? 3000));',
      where: 'README.md:5',
    });
  });

  it('reads a type-check-only module block, and ignores unmarked blocks that start no server', async () => {
    const markdown = `${fence}ts\nconst x = 1;\n${fence}\n\n<!-- check: module name=redis-standalone modules=cjs -->\n${fence}ts\nexport {};\n${fence}\n`;
    expect(await blocksOf(markdown)).toEqual([
      { kind: 'module', name: 'redis-standalone', modules: ['cjs'], code: 'export {};', where: 'README.md:5' },
    ]);
  });

  it('refuses a script block that starts a server without a marker', async () => {
    await expect(blocksOf(app(''))).rejects.toThrow('README.md:6: this block starts a server but has no');
  });

  it('refuses a marker not followed by a code block', async () => {
    await expect(blocksOf('<!-- check: app name=a modules=esm path=/x -->\n\nJust text.\n')).rejects.toThrow(
      'README.md:1: the check marker is not followed by a code block',
    );
  });

  it('refuses an unknown attribute', async () => {
    await expect(blocksOf(app('<!-- check: app name=a modules=esm path=/x port=3000 -->'))).rejects.toThrow(
      'unknown attribute port',
    );
  });

  it('refuses a missing or malformed name, module list, path or send', async () => {
    const cases: [string, string][] = [
      ['modules=esm path=/x', 'name= must be given'],
      ['name=Bad_Name modules=esm path=/x', 'name= must be given'],
      ['name=a path=/x', 'modules= must list esm and/or cjs'],
      ['name=a modules=esm,amd path=/x', 'modules= must list esm and/or cjs'],
      ['name=a modules=esm', 'an app block needs path='],
      ['name=a modules=esm path=/x send=stripe:charge', 'send= must be genstore:<topic> or geins:<Entity.action>'],
      ['name=a modules=esm path=/x send=genstore', 'send= must be genstore:<topic> or geins:<Entity.action>'],
    ];
    for (const [attributes, message] of cases) {
      await expect(blocksOf(app(`<!-- check: app ${attributes} -->`)), attributes).rejects.toThrow(message);
    }
  });

  it('refuses two blocks of the same name', async () => {
    const marker = '<!-- check: app name=same modules=esm path=/x -->';
    await expect(blocksOf(`${app(marker)}\n${app(marker)}`)).rejects.toThrow(
      'another checked block is also named same',
    );
  });
});
