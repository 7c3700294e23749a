import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GeinsAdminWebhookInput, GeinsWebhookDefinition, GeinsWebhookDefinitionInput } from '@hookinbox/geins';
import { CliUsageError } from '../errors.js';

/** A definition made by `defineGeinsWebhook`, or a Management API payload as is. */
export type LoadedGeinsDefinition = GeinsWebhookDefinition | { toManagementPayload(): GeinsAdminWebhookInput };

/**
 * Loads Geins webhook definitions from a file:
 * - `.json`: an array (or `{ "definitions": [...] }`) of `defineGeinsWebhook` inputs (`name`, `entity`, `actions`,
 *   `url`, `secret`, …) or of Management API payloads (`Name`, `Entity`, `Actions`, `Url`, …);
 * - any other extension is imported as a module; its `definitions` export, else its default export, else every
 *   export that is a definition, is used. Items may be `defineGeinsWebhook(...)` results or either kind of input.
 */
export async function loadGeinsDefinitions(file: string, cwd = process.cwd()): Promise<LoadedGeinsDefinition[]> {
  const path = resolve(cwd, file);
  let items: unknown;
  if (extname(path).toLowerCase() === '.json') {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new CliUsageError(`hookinbox: cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      items = JSON.parse(text);
    } catch (error) {
      throw new CliUsageError(`hookinbox: ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (isRecord(items) && Array.isArray(items.definitions)) items = items.definitions;
  } else {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new CliUsageError(`hookinbox: cannot load ${file}: ${(error as Error).message}`);
    }
    items =
      mod.definitions ?? mod.default ?? Object.values(mod).filter((v) => isRecord(v) && 'toManagementPayload' in v);
  }
  if (!Array.isArray(items)) items = [items];
  const list = items as unknown[];
  if (list.length === 0) throw new CliUsageError(`hookinbox: ${file} holds no webhook definitions`);

  const { defineGeinsWebhook } = await import('@hookinbox/geins');
  return list.map((item, i) => {
    if (isRecord(item) && typeof item.toManagementPayload === 'function') return item as LoadedGeinsDefinition;
    if (isRecord(item) && typeof item.name === 'string') {
      try {
        return defineGeinsWebhook(item as unknown as GeinsWebhookDefinitionInput);
      } catch (error) {
        throw new CliUsageError(`hookinbox: definition ${i + 1} in ${file}: ${(error as Error).message}`);
      }
    }
    if (isRecord(item) && typeof item.Name === 'string' && typeof item.Url === 'string') {
      const payload = item as unknown as GeinsAdminWebhookInput;
      return { toManagementPayload: () => payload };
    }
    throw new CliUsageError(
      `hookinbox: definition ${i + 1} in ${file} is neither a defineGeinsWebhook() input (name, entity, actions, url, ` +
        'secret) nor a Management API payload (Name, Entity, Actions, Url)',
    );
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
