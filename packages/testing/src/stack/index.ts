// @airlock/testing/stack: the real Airlock (built apps/*/dist) started for black-box tests.
export { JWT_SECRET, OCTETS, startStack, type Proc, type Stack } from './start-stack.js';
export { useStack, type StackOptions, type UsedStack } from './use-stack.js';
export { startReceiver, useWebhookReceiver, verifySignature, type Delivery, type WebhookReceiver } from './webhook-receiver.js';
export { BACKENDS, storageProbe, useStorageProbe, type Backend, type StorageProbe } from './storage-probe.js';
export { freePort } from '../ports.js';
