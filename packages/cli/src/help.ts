export const MAIN_HELP = `hookinbox: keep Genstore and Geins webhook subscriptions in step with your handlers, send test deliveries,
and play a platform against your endpoint.

Usage:
  hookinbox subscriptions list --platform genstore|geins [--json]
  hookinbox subscriptions sync --platform genstore --address <url> [--topics <a,b>] [--apply] [--delete-stale]
  hookinbox subscriptions sync --platform geins --definitions <file> [--apply] [--delete-stale]
  hookinbox send --platform genstore --url <url> --topic <topic> [--payload <file>] [--secret <secret>]
  hookinbox send --platform geins --url <url> --entity <Entity> --action <action> --id <id> [--header '<name: value>']
  hookinbox simulate --platform genstore|geins --url <url> [--count <n>] [--rate <n/s>] [--duplicates <n>]
                     [--time-scale <f>] [--timeout <ms>] [--json]
  hookinbox dead-letters list|replay --queue bullmq --redis-url <url>
  hookinbox dead-letters list|replay --queue pg-boss --database-url <url>

Commands:
  subscriptions list   Show the webhook subscriptions registered on the platform.
  subscriptions sync   Plan (and with --apply, make) the changes that bring them in step with your handlers.
  send                 Post one correctly authenticated sample delivery to your endpoint.
  simulate             Play the platform: many deliveries, retried on its schedule, and a report.
  dead-letters         List a durable queue's dead letters, and replay them through the app's worker.

Run 'hookinbox <command> --help' (e.g. 'hookinbox subscriptions sync --help') for options and environment variables.
Exit status: 0 on success, 1 when a call failed, 2 when the command was used wrongly.
`;

const ENV_GENSTORE = `  GENSTORE_SHOP           shop subdomain (my-shop) or host (my-shop.genmystore.com)
  GENSTORE_ACCESS_TOKEN   store access token (X-Genstore-Access-Token)
  GENSTORE_API_BASE_URL   optional, replaces https://{shop}.genmystore.com
  GENSTORE_API_VERSION    optional, default 202412`;

const ENV_GEINS = `  GEINS_API_KEY           Management API key (X-ApiKey)
  GEINS_USERNAME          API user (HTTP Basic)
  GEINS_PASSWORD          API password (HTTP Basic)
  GEINS_API_BASE_URL      optional, default https://mgmtapi.geins.io`;

export const LIST_HELP = `Usage: hookinbox subscriptions list --platform genstore|geins [--json]

Show the webhook subscriptions registered on the platform. Header values and credential-like query values of
Geins webhooks are hidden.

Options:
  --platform <name>   genstore or geins (required)
  --json              print JSON instead of a table
  -h, --help          show this help

Environment (genstore):
${ENV_GENSTORE}
Environment (geins):
${ENV_GEINS}
`;

export const SYNC_HELP = `Usage:
  hookinbox subscriptions sync --platform genstore --address <url> [--topics <a,b>] [--apply] [--delete-stale]
  hookinbox subscriptions sync --platform geins --definitions <file> [--apply] [--delete-stale]

Compare the registered subscriptions with what your handlers need and print the plan: create, update, stale
(registered but not wanted) and unchanged. Nothing is changed unless --apply is given (a dry run is the default).
Applying twice makes no change the second time.

Genstore: every topic in --topics is subscribed to --address, and so are the three compliance topics every
published app needs (customers/data_request, customers/redact, shop/redact). Wildcards (orders/*) cannot be
subscribed to and are reported as skipped.

Geins: --definitions is a .json file (an array of defineGeinsWebhook inputs or Management API payloads) or a
module (.mjs/.js) exporting 'definitions' (or a default export) made with defineGeinsWebhook. Webhooks are
matched by Name; only webhooks whose Url is on the same host as a definition's can be stale.

Options:
  --platform <name>       genstore or geins (required)
  --address <url>         genstore: the public URL of your webhook route (required for genstore)
  --topics <a,b,...>      genstore: topics your handlers take, comma separated
  --definitions <file>    geins: the webhook definitions (required for geins)
  --apply                 make the changes
  --dry-run               only print the plan (the default)
  --delete-stale          with --apply, also delete stale subscriptions
  --json                  print the plan (and the result) as JSON
  -h, --help              show this help

Environment (genstore):
${ENV_GENSTORE}
Environment (geins):
${ENV_GEINS}
`;

export const SEND_HELP = `Usage:
  hookinbox send --platform genstore --url <url> --topic <topic> [--payload <file>] [--secret <secret>]
  hookinbox send --platform geins --url <url> --entity <Entity> --action <action> --id <id> [--header '<name: value>']
  hookinbox send --platform geins --definitions <file> [--name <name>] --url <url> --action <action> --id <id>

Post one sample delivery, authenticated as the platform would, and print the status, body and latency.

Genstore: the body (from --payload, or a sample for the topic) is signed with the app's client secret:
X-Genstore-Hmac-Sha256 is the base64 HMAC-SHA256 of the exact bytes sent. X-Genstore-Topic,
X-Genstore-Shop-Domain and X-Genstore-Webhook-Id are sent too.

Geins: the body (from --payload, or the docs' quick start template {"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"})
and the --url have their placeholders filled in, and x-idempotency-key and x-timestamp are added. Geins signs
nothing: pass your shared secret with --header 'authorization: Bearer <secret>' (or in the URL). With
--definitions, the delivery is rendered from the definition's own templates and secret; --url then only says
where to send it (its scheme, host and port replace the definition's).

Options:
  --platform <name>         genstore or geins (required)
  --url <url>               where to send (required)
  --header '<name: value>'  an extra header (repeatable)
  --payload <file>          the body to send (Geins: a template, placeholders are filled in)
  genstore:
  --topic <topic>           default orders/create
  --secret <secret>         the app's client secret (default: $GENSTORE_CLIENT_SECRET)
  --shop <shop>             shop subdomain for X-Genstore-Shop-Domain (default: $GENSTORE_SHOP or demo-shop)
  --webhook-id <id>         X-Genstore-Webhook-Id (default: a random UUID)
  geins:
  --entity <Entity>         default Order
  --action <action>         default create (with --definitions: the definition's first action)
  --id <id>                 {{id}}, may be a comma list (default 12345)
  --method <method>         default POST
  --account <name>          {{account}} (default demo)
  --environment <name>      {{environment}} (default prod)
  --sub-entity <name>       {{subEntity}} (default empty)
  --idempotency-key <key>   x-idempotency-key (default: a random UUID)
  --definitions <file>      render from a webhook definition (see 'subscriptions sync --help')
  --name <name>             which definition, when the file has several
  -h, --help                show this help

Exit status: 0 when the endpoint answered 2xx, 1 otherwise, 2 when the command was used wrongly.
`;

export const SIMULATE_HELP = `Usage:
  hookinbox simulate --platform genstore --url <url> [--topic <topic>] [--secret <secret>] [options]
  hookinbox simulate --platform geins --url <url> [--entity <Entity> --action <action>] [--header '<name: value>'] [options]
  hookinbox simulate --platform geins --definitions <file> [--name <name>] --url <url> [options]

Play the platform against your endpoint before going live: send --count deliveries as the platform would
(authenticated as 'hookinbox send' does, each with its own body and delivery id), count a non-2xx answer or no
answer within the platform's timeout as a failure, and retry on the platform's schedule:
  genstore  5 s timeout; 8 tries in all over about 4 hours (waits of 1.9, 3.8, 7.6, 15, 30, 60, 121 min)
  geins     10 s timeout (not published; assumed); 3 retries 10 minutes apart (none when the definition has retry off)

The last line of the report is:
  deliveries N, acknowledged N, retried N, given up N, ack p50 X ms, p99 Y ms
'retried' counts retries sent in all; 'given up' counts deliveries the platform would have dropped; the
percentiles are over every 2xx answer ('-' when there was none).

Options (besides those of 'hookinbox send', except --payload):
  --count <n>          deliveries to send (default 10)
  --rate <n>           first tries started per second (default 50)
  --duplicates <n>     send n of the deliveries twice: half at the same moment, half once the first copy is done
  --time-scale <f>     multiply the schedule's waits, e.g. 0.001 plays 4 hours in 14 s (default 1)
  --timeout <ms>       replace the platform's timeout
  --json               print the whole report as JSON
  -h, --help           show this help

Exit status: 0 when nothing was given up, 1 otherwise, 2 when the command was used wrongly.
`;

export const DEAD_LETTERS_HELP = `hookinbox dead-letters: the deliveries a durable queue keeps because they could not be processed (parked:
authentic, but not processable; failed: handlers failed every attempt), and their replay.

Usage:
  hookinbox dead-letters list --queue bullmq --redis-url <url> [--queue-name <name>] [--prefix <prefix>] [--limit <n>] [--json]
  hookinbox dead-letters replay <id>... | --all --queue bullmq --redis-url <url> [--queue-name <name>] [--prefix <prefix>]
  hookinbox dead-letters list|replay ... --queue pg-boss --database-url <url> [--schema <schema>] [--queue-name <name>]

replay moves each letter's job back to waiting: the app's worker runs it through the receiver (a parked delivery is
authenticated and parsed again; handlers that succeeded before, and events done since, are not run again).

Options:
  --queue        bullmq (default when a Redis URL is given) or pg-boss (default with --database-url)
  --redis-url    the queue's Redis (default: REDIS_URL)
  --database-url pg-boss's PostgreSQL (default: DATABASE_URL)
  --schema       pg-boss's schema (default pgboss)
  --queue-name   the app's queue name (default hookinbox)
  --prefix       the BullMQ queue's key prefix (default bull)
  --limit        at most this many letters, newest first (default 1000)

Needs the queue's package installed beside the CLI (@hookinbox/bullmq; @hookinbox/pg-boss with pg-boss).
With pg-boss, replay moves the letter from the dead-letter queue back to the queue (a redrive).
Exit status: 0 on success, 1 when a letter was not found or a call failed, 2 when the command was used wrongly.
`;
