/**
 * The test environment's special amounts (reference §3.12, DEV-TEST): when a user tries to pay one
 * of these in the test app, the card payment fails with the documented reason. Keyed by
 * `amount.value` in minor units (151 = NOK 1.51). Force approve ignores them.
 */
export interface TestAmountOutcome {
  value: number;
  /** The documented reason, as a short title. */
  reason: string;
  /** What the user is told in the app. */
  message: string;
}

const table: Array<[number, string, string]> = [
  [151, 'Insufficient funds', 'The card has insufficient funds.'],
  [182, 'Refused by issuer', 'The card issuer refused the payment.'],
  [183, 'Suspected fraud', 'The payment was stopped on suspicion of fraud.'],
  [184, 'Withdrawal limit exceeded', "The card's withdrawal limit is exceeded."],
  [186, 'Expired card', 'The card has expired.'],
  [187, 'Invalid card', 'The card is not valid.'],
  [197, '3-D Secure denied', 'The 3-D Secure verification was denied.'],
  [201, 'Result unknown', 'The result of the card payment is unknown; the payment stays pending.'],
  [202, 'SCA required', 'The card issuer requires strong customer authentication.'],
];

export const TEST_AMOUNTS: ReadonlyMap<number, TestAmountOutcome> = new Map(
  table.map(([value, reason, message]) => [value, { value, reason, message }]),
);

/** The failure a test amount causes at approval in the app, or undefined for a normal amount. */
export function testAmountOutcome(value: number): TestAmountOutcome | undefined {
  return TEST_AMOUNTS.get(value);
}
