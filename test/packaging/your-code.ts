/**
 * Stand-ins for the app's own functions that the README quick starts import from `./your-code.js`. Copied next to
 * each quick start by the packaging check. Each one prints a line when it starts and when it finishes, and waits
 * `HANDLER_DELAY_MS` in between, so the check can stop the app while handlers run and see whether they finished.
 */
const delayMs = Number(process.env.HANDLER_DELAY_MS ?? 0);

const work =
  (name: string) =>
  async (..._args: unknown[]): Promise<void> => {
    process.stdout.write(`your-code: ${name} started\n`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    process.stdout.write(`your-code: ${name} finished\n`);
  };

export const saveOrder = work('saveOrder');
export const exportCustomer = work('exportCustomer');
export const redactCustomer = work('redactCustomer');
export const deleteShop = work('deleteShop');
export const recordOrder = work('recordOrder');
export const refreshPrices = work('refreshPrices');
