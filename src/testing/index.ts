/**
 * For merchants' own test suites: `import { startEmulator } from 'vipps-devkit/testing'`.
 * See docs/testing.md.
 */
export { startEmulator, type TestEmulator } from './start.js';
export { connectEmulator, DevkitError, type DevkitClient, type DeliveryAttemptView, type MerchantCredentials } from './devkit-client.js';
export { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhook-receiver.js';
export { routeVippsApisTo, VIPPS_API_HOSTS } from './route-to-emulator.js';
export type { Emulator, EmulatorOptions } from '../server/emulator.js';
export { verifyWebhookRequest, signWebhookRequest } from '../delivery/signing.js';
