/** The create-payment body every benchmark sends, so that their figures compare like for like. */
export const createPaymentRequest = (reference: string) => ({
  amount: { currency: 'NOK' as const, value: 1000 },
  paymentMethod: { type: 'WALLET' as const },
  reference,
  userFlow: 'WEB_REDIRECT' as const,
  returnUrl: 'https://example.com/return',
  paymentDescription: 'bench',
});
