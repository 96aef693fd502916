/**
 * A Postman environment for the official Vipps collections (../shared/postman in the devkit's repo,
 * Vipps' public API repositories for everyone else) that points them at an emulator: the variable
 * names the collections read, the test merchant's keys and MSN, a test user's phone number, and
 * the merchant-side URLs the eCom and Webhooks collections send. Pure: the caller brings the values.
 */
import { randomUUID } from 'node:crypto';

export interface PostmanEnvironmentInput {
  /** Base URL of the emulator, e.g. http://127.0.0.1:8765 (the collections' `base_url`). */
  baseUrl: string;
  merchantSerialNumber: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  /** A test user's MSISDN (4791234567): `internationalMobileNumber`; `mobileNumber` is its last 8 digits. */
  phoneNumber: string;
  /**
   * Where the merchant's own endpoints are (callbacks, fallBack, shipping details, consent removal,
   * webhooks). Default https://example.com, as in Vipps' own environment: the emulator's calls there fail.
   */
  merchantUrl?: string;
  /** Environment name shown in Postman. */
  name?: string;
  /** For the export stamp; default now. */
  exportedAt?: Date;
  /** For the export stamp, e.g. "vipps-devkit/0.1.0". */
  exportedUsing?: string;
}

export interface PostmanVariable {
  key: string;
  value: string;
  type: 'default' | 'secret';
  enabled: true;
}

export interface PostmanEnvironment {
  id: string;
  name: string;
  values: PostmanVariable[];
  _postman_variable_scope: 'environment';
  _postman_exported_at: string;
  _postman_exported_using: string;
}

/**
 * Variables the requests and scripts of the collections write as they run: present (empty), so a
 * request run out of order finds a value to replace rather than its own `{{name}}`.
 */
export const RUNTIME_VARIABLES = ['access_token', 'reference', 'idempotency_key', 'orderId', 'vippsLandingPageURL', 'payment_token', 'sub', 'webhook_id'] as const;

export function postmanEnvironment(input: PostmanEnvironmentInput): PostmanEnvironment {
  const base = input.baseUrl.replace(/\/+$/, '');
  const merchant = (input.merchantUrl ?? 'https://example.com').replace(/\/+$/, '');
  const v = (key: string, value: string, type: PostmanVariable['type'] = 'default'): PostmanVariable => ({ key, value, type, enabled: true });
  return {
    id: randomUUID(),
    name: input.name ?? `Vipps Devkit (${base})`,
    values: [
      v('base_url', base),
      v('client_id', input.clientId),
      v('client_secret', input.clientSecret, 'secret'),
      v('Ocp-Apim-Subscription-Key', input.subscriptionKey, 'secret'),
      v('merchantSerialNumber', input.merchantSerialNumber),
      v('internationalMobileNumber', input.phoneNumber),
      v('mobileNumber', input.phoneNumber.slice(-8)),
      // Amounts in øre, as Vipps' shared environment has them.
      v('amount', '49900'),
      v('currency', 'NOK'),
      v('callbackPrefix', `${merchant}/callbacks-for-payment-update-from-vipps`),
      v('callbackUrl', `${merchant}/callbacks-for-checkout`),
      v('fallBack', `${merchant}/fallback-result-page-for-both-success-and-failure/acme-shop-123-order123abc`),
      v('shippingDetailsPrefix', `${merchant}/shipping`),
      v('consentRemovalPrefix', `${merchant}/consent-removal`),
      v('shippingCost1', '30'),
      v('shippingCost2', '100'),
      v('shippingMethod1', 'Postman Method 1'),
      v('shippingMethod2', 'Postman Method 2'),
      v('transactionTextInitiate', 'This payment was initiated.'),
      v('transactionTextCapture', 'This payment was captured.'),
      v('transactionTextRefund', 'This payment was refunded.'),
      v('transactionTextCancel', 'This payment was cancelled.'),
      v('vipps_system_name', 'postman'),
      v('vipps_system_version', '2.0'),
      v('vipps_system_plugin_name', 'vipps-postman'),
      v('vipps_system_plugin_version', '2.0'),
      ...RUNTIME_VARIABLES.map((key) => v(key, '')),
    ],
    _postman_variable_scope: 'environment',
    _postman_exported_at: (input.exportedAt ?? new Date()).toISOString(),
    _postman_exported_using: input.exportedUsing ?? 'vipps-devkit',
  };
}
