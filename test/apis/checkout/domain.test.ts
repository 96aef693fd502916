import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BRAND_TYPES, create, expire, optionProblem, paymentChanged, SESSION_LIFETIME_MS, setCustomer, offerShipping, startPayment, totalOf, type Session } from '../../../src/apis/checkout/domain.js';
import type { IssuedPayment } from '../../../src/platform/payment-port.js';

const now = new Date('2026-03-02T10:00:00Z');
const body = (over: Record<string, unknown> = {}) => ({
  merchantInfo: { callbackUrl: 'https://shop.example/cb', returnUrl: 'https://shop.example/r', callbackAuthorizationToken: 't' },
  transaction: { amount: { value: 20000, currency: 'NOK' }, reference: 'order-12345', paymentDescription: 'Socks' },
  logistics: { fixedOptions: [{ brand: 'POSTEN' as const, type: 'MAILBOX' as const, id: 'mb', priority: 0, isDefault: true, amount: { value: 4900, currency: 'NOK' } }] },
  ...over,
});
const session = (over: Record<string, unknown> = {}): Session => {
  const out = create({ msn: '123456', body: body(over) as never, sessionId: 'sid', token: 'tok', now });
  if (!out.ok) throw new Error(out.error.detail);
  return out.session;
};
const payment = (state: IssuedPayment['state']): IssuedPayment => ({ msn: '123456', reference: 'order-12345', state, method: 'WALLET', amount: { currency: 'NOK', value: 24900 }, aggregate: { authorized: 0, captured: 0, refunded: 0, cancelled: 0 } });
const customer = { firstName: 'O', lastName: 'N', email: 'o@example.com', phoneNumber: '4797777776', streetAddress: 'Gata 1', postalCode: '0150', city: 'Oslo', country: 'NO' };

describe('Checkout domain', () => {
  it('brand × type: exactly the documented pairs are accepted', () => {
    const types = ['MAILBOX', 'PICKUP_POINT', 'HOME_DELIVERY'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(BRAND_TYPES) as Array<keyof typeof BRAND_TYPES>)), fc.constantFrom(...types), (brand, type) => {
        const problem = optionProblem({ brand, type, id: 'x', priority: 0, isDefault: true, amount: { value: 100, currency: 'NOK' }, title: 'T' }, 'F', 'NOK');
        expect(problem === undefined).toBe(BRAND_TYPES[brand].includes(type));
      }),
    );
  });

  it('SessionCreated → PaymentInitiated → PaymentSuccessful or PaymentTerminated; only end states notify', () => {
    for (const [state, end] of [['AUTHORIZED', 'PaymentSuccessful'], ['ABORTED', 'PaymentTerminated'], ['EXPIRED', 'PaymentTerminated'], ['TERMINATED', 'PaymentTerminated']] as const) {
      let s = session();
      const c = setCustomer(s, customer, now);
      if (!c.ok) throw new Error(c.error.detail);
      const o = offerShipping(c.session, undefined, now);
      if (!o.ok) throw new Error(o.error.detail);
      expect(totalOf(o.session)).toEqual({ currency: 'NOK', value: 24900 });
      const p = startPayment(o.session, 'Wallet', false, now);
      if (!p.ok) throw new Error(p.error.detail);
      s = p.session;
      expect(s.state).toBe('PaymentInitiated');
      expect(paymentChanged(s, payment('CREATED'), now)).toMatchObject({ ok: true, notify: false, session: { state: 'PaymentInitiated' } });
      const ended = paymentChanged(s, payment(state), now);
      expect(ended).toMatchObject({ ok: true, notify: true, session: { state: end } });
      if (ended.ok) expect(paymentChanged(ended.session, payment(state), now)).toMatchObject({ notify: false });
    }
  });

  it('expires after one hour only while nobody pays', () => {
    const s = session();
    expect(expire(s, new Date(now.getTime() + SESSION_LIFETIME_MS - 1))).toMatchObject({ notify: false, session: { state: 'SessionCreated' } });
    expect(expire(s, new Date(now.getTime() + SESSION_LIFETIME_MS))).toMatchObject({ notify: true, session: { state: 'SessionExpired' } });
    expect(startPayment(s, 'Wallet', false, new Date(now.getTime() + SESSION_LIFETIME_MS))).toMatchObject({ ok: false });
  });

  it('dynamic options win over fixed ones; none at all is an error the page shows', () => {
    const s = session();
    const c = setCustomer(s, customer, now);
    if (!c.ok) throw new Error('no');
    const dynamic = [{ brand: 'POSTNORD' as const, type: 'HOME_DELIVERY' as const, id: 'pn', priority: 0, isDefault: false, amount: { value: 9900, currency: 'NOK' } }];
    expect(offerShipping(c.session, dynamic, now)).toMatchObject({ ok: true, session: { offered: [{ id: 'pn' }], shipping: { methodId: 'pn' } } });
    const none = session({ logistics: { dynamicOptionsCallback: 'https://shop.example/d', fixedOptions: [] } });
    const c2 = setCustomer(none, customer, now);
    if (!c2.ok) throw new Error('no');
    const offered = offerShipping(c2.session, [], now);
    expect(offered.ok && offered.session.shippingError).toMatch(/No shipping option/);
    if (offered.ok) expect(startPayment(offered.session, 'Wallet', false, now)).toMatchObject({ ok: false });
  });

  it('a required custom consent must be given to pay', () => {
    const s = session({ logistics: null, configuration: { elements: 'PaymentOnly', customConsent: { text: 'Join [club](https://x.example)', required: true } } });
    expect(startPayment(s, 'Card', false, now)).toMatchObject({ ok: false });
    expect(startPayment(s, 'Card', true, now)).toMatchObject({ ok: true, session: { customConsentProvided: true, paymentMethod: 'Card' } });
  });
});
