/**
 * The one domain-level error stores raise: an optimistic update lost its race (another instance on
 * the shared PostgreSQL, or another command, changed the row since it was read). Stores know no
 * HTTP; each API's service maps this to its own answer (ePayment 423 "Order processing", eCom
 * VippsError 94 "order locked", the control API 409).
 */
export class ConcurrentUpdate extends Error {
  constructor(
    /** What was being updated: `epayment payment`, `ecom payment`, `fault`, ... */
    readonly entity: string,
    readonly key: string,
  ) {
    super(`${entity} ${key} was changed by another command meanwhile`);
    this.name = 'ConcurrentUpdate';
  }
}

export const isConcurrentUpdate = (err: unknown): err is ConcurrentUpdate => err instanceof ConcurrentUpdate;
