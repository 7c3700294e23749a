import type { ActionFunctionArgs } from 'react-router';
import { handleWebhook } from '../webhooks.server';

/**
 * A resource route (no default export): React Router hands the action the untouched request and sends the Response it
 * returns as it is. Register it in `app/routes.ts`: `route('api/webhooks/genstore', 'routes/api.webhooks.genstore.ts')`.
 */
export function action({ request }: ActionFunctionArgs): Promise<Response> {
  return handleWebhook(request);
}
