import { newKey, type ApiResponse, type TestEmulator } from '../../helpers/emulator.js';

export const PHONE = '4791234567';

/** A minimal LEGACY draft (the spec's "Minimal" example), with overrides. */
export function draftBody(overrides: Record<string, unknown> = {}) {
  return {
    pricing: { type: 'LEGACY', amount: 2500, currency: 'NOK' },
    interval: { unit: 'MONTH', count: 1 },
    merchantRedirectUrl: 'https://example.com/redirect',
    merchantAgreementUrl: 'https://example.com/agreement',
    phoneNumber: PHONE,
    productName: 'MyNews Digital',
    ...overrides,
  };
}

/** The Oslo date `days` from the emulator's now. */
export function dateIn(emu: TestEmulator, days: number): string {
  const now = emu.ctx.clock.now();
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date(now.getTime() + days * 86_400_000));
}

export async function draft(emu: TestEmulator, overrides: Record<string, unknown> = {}): Promise<ApiResponse> {
  return emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: newKey(), body: draftBody(overrides) });
}

/** Drafts and force accepts: an ACTIVE agreement's id. */
export async function activeAgreement(emu: TestEmulator, overrides: Record<string, unknown> = {}, phoneNumber = PHONE): Promise<string> {
  const d = await draft(emu, overrides);
  if (d.status !== 201) throw new Error(`draft: ${d.status} ${d.text}`);
  const a = await emu.call('PATCH', `/recurring/v3/agreements/${d.body.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber } });
  if (a.status !== 204) throw new Error(`accept: ${a.status} ${a.text}`);
  return d.body.agreementId as string;
}

export async function createCharge(emu: TestEmulator, agreementId: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return emu.call('POST', `/recurring/v3/agreements/${agreementId}/charges`, {
    idempotencyKey: newKey(),
    body: { amount: 2500, transactionType: 'DIRECT_CAPTURE', description: 'Monthly', due: dateIn(emu, 3), retryDays: 2, ...body },
  });
}

export async function charge(emu: TestEmulator, agreementId: string, chargeId: string) {
  const r = await emu.call('GET', `/recurring/v3/agreements/${agreementId}/charges/${chargeId}`);
  if (r.status !== 200) throw new Error(`charge: ${r.status} ${r.text}`);
  return r.body;
}

export const problemId = (r: ApiResponse) => String(r.body?.type ?? '').split('#')[1];

/**
 * Access tokens last an hour on the emulator clock, and these tests move it by days: calls that meet
 * an expired token fetch a new one and are sent again (as a merchant's client does).
 */
export function refreshingTokens(emu: TestEmulator): TestEmulator {
  const call = emu.call.bind(emu);
  let token: string | undefined;
  const refreshing: TestEmulator = Object.create(emu);
  refreshing.call = (async (method: string, path: string, options: Parameters<TestEmulator['call']>[2] = {}) => {
    const withToken = (t: string | undefined) => (t && !options.anonymous && !options.headers?.authorization ? { ...options, headers: { ...options.headers, authorization: `Bearer ${t}` } } : options);
    const first = await call(method, path, withToken(token));
    if (first.status !== 401 || !/expired/.test(first.text)) return first;
    token = await emu.fetchToken();
    return call(method, path, withToken(token));
  }) as TestEmulator['call'];
  return refreshing;
}
