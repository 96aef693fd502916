import { intervalText } from './calendar.js';
import type { Agreement, Charge } from './domain.js';
import type { AgreementResponse, ChargeResponse } from './schemas.js';

/** An agreement as the API shows it (AgreementResponseV3). */
export function agreementView(a: Agreement, vippsConfirmationUrl: string, publicUrl: string): AgreementResponse {
  return {
    id: a.id,
    uuid: a.uuid,
    created: a.created,
    start: a.start,
    stop: a.stop,
    status: a.status,
    productName: a.productName,
    ...(a.productDescription === undefined ? {} : { productDescription: a.productDescription }),
    pricing: a.pricing,
    interval: { unit: a.interval.unit, count: a.interval.count, text: intervalText(a.interval.unit, a.interval.count) },
    campaign: a.campaign,
    merchantAgreementUrl: a.merchantAgreementUrl,
    merchantRedirectUrl: a.merchantRedirectUrl,
    sub: a.sub,
    userinfoUrl: a.sub === null ? null : `${publicUrl}/vipps-userinfo-api/userinfo/${a.sub}`,
    ...(a.externalId === undefined ? {} : { externalId: a.externalId }),
    countryCode: a.countryCode,
    vippsConfirmationUrl,
  };
}

/** A charge as the API shows it (ChargeResponseV3): `due` as a date-time, as the real API returns it. */
export function chargeView(c: Charge): ChargeResponse {
  return {
    id: c.id,
    agreementId: c.agreementId,
    externalId: c.externalId,
    externalAgreementId: c.externalAgreementId,
    amount: c.amount,
    currency: c.currency,
    description: c.description,
    due: `${c.due}T00:00:00Z`,
    retryDays: c.retryDays,
    status: c.status,
    type: c.type,
    transactionType: c.transactionType,
    transactionId: c.transactionId,
    failureReason: c.failureReason,
    failureDescription: c.failureDescription,
    summary: { captured: c.captured, refunded: c.refunded, cancelled: c.cancelled },
    history: c.history,
  };
}
