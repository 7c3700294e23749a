/** Stands for the app's database: the orders the webhook handler saved. */
export const orders: Record<string, unknown>[] = [];

export async function saveOrder(order: Record<string, unknown>): Promise<void> {
  orders.push(order);
}
