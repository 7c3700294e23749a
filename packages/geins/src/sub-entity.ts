import type { GeinsSubEntity } from './entities.js';

/**
 * A `where` filter for `receiver.on`: only events whose `{{subEntity}}` is one of `names` (compared without regard to
 * case) reach the handler.
 *
 * The webhook's templates must hold `{{subEntity}}`; when they do not, the filter throws on the first event rather
 * than silently never matching, so the mistake shows up as a failed handler in the logs.
 *
 * @example
 * receiver.on('Product.update', syncPrice, { where: subEntity('price', 'purchasePrice') });
 */
export function subEntity(
  ...names: [GeinsSubEntity | (string & {}), ...(GeinsSubEntity | (string & {}))[]]
): (event: { payload: unknown }) => boolean {
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new TypeError('@hookinbox/geins: subEntity() needs one or more sub-entity names, e.g. subEntity("price")');
  }
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return (event) => {
    const payload = event.payload as { subEntity?: unknown; values?: Record<string, unknown> } | undefined;
    const values = payload?.values;
    if (typeof values !== 'object' || values === null) {
      throw new TypeError('@hookinbox/geins: subEntity() filters Geins events only');
    }
    if (!Object.hasOwn(values, 'subEntity')) {
      throw new TypeError(
        '@hookinbox/geins: subEntity() cannot filter: the webhook templates have no {{subEntity}} placeholder. ' +
          'Add it to the Body, e.g. "changeType":"{{subEntity}}"',
      );
    }
    return typeof payload?.subEntity === 'string' && wanted.has(payload.subEntity.toLowerCase());
  };
}
