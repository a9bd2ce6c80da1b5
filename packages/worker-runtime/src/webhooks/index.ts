export { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, signWebhook, verifyWebhook } from './signature.js';
export { DELIVERY_OPTIONS, eventOf, notifyTerminal, type NotifyDeps } from './notify.js';
