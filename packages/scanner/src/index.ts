export * from './scanner.js';
export { ClamdClient, type ClamdAddress } from './clamd.client.js';
export { parseScanReply, parseVersion } from './clamd-reply.js';
export { cleanRefusal, clamdReadiness } from './signature-policy.js';
