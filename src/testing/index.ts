/** For merchants' own test suites: `import { routeVippsApisTo } from 'vipps-devkit/testing'`. */
export { routeVippsApisTo, VIPPS_API_HOSTS } from './route-to-emulator.js';
export { startEmulator, type Emulator, type EmulatorOptions } from '../server/emulator.js';
export { verifyWebhookRequest, signWebhookRequest } from '../delivery/signing.js';
