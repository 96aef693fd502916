import type { FeeModel, Minor } from './types.js';

/**
 * The fee of one capture: `percentBp` basis points rounded half-up to whole øre, plus `fixed`,
 * never more than the amount captured. No rate is documented; the default (1.5 %) is the one the
 * 2019 settlement example implies (439.00 → 6.59), the Report API guide's example is 400 øre flat.
 */
export function captureFee(amount: Minor, model: FeeModel): Minor {
  if (amount <= 0) return 0;
  const percent = Math.floor((amount * model.percentBp + 5_000) / 10_000);
  return Math.min(amount, percent + model.fixed);
}

export const DEFAULT_FEE: FeeModel = { percentBp: 150, fixed: 0 };
