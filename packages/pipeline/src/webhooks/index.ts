export { DEFAULT_TOLERANCE_SECONDS, EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, verifyWebhook } from './signature.js';
export { ATTEMPT_TIMEOUT_MS, webhookBody } from './send-webhook.js';
export { backoffDelay, RELAY_DEFAULTS, startOutboxRelay, type RelayOptions } from './outbox-relay.js';
