import type { Static } from '@sinclair/typebox';
import { ids } from './ids.js';
import type { ExtraDetail as ExtraDetailSchema, GatewayErrorBody as GatewayErrorBodySchema, ProblemBody as ProblemBodySchema } from './schemas.js';

/** One field-level reason, as in the real API's `extraDetails`. */
export type ExtraDetail = Static<typeof ExtraDetailSchema>;

/** A failure as the domain and routes describe it; rendered in each API's own error shape. */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  /** The platform's numeric error code, sent as extraDetails ErrorCode (ePayment style). */
  code?: string;
  extraDetails?: ExtraDetail[];
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }

  /** As Fastify's own errors carry it: a module's error handler needs nothing more to answer the right status. */
  get statusCode(): number {
    return this.problem.status;
  }
}

export const problem = (status: number, title: string, detail?: string, code?: string): Problem => ({
  status,
  title,
  ...(detail === undefined ? {} : { detail }),
  ...(code === undefined ? {} : { code }),
});

/** The RFC 7807 body of ePayment, Recurring and Webhooks. */
export type ProblemBody = Static<typeof ProblemBodySchema>;

export function problemBody(p: Problem, instance?: string): ProblemBody {
  const extra = [...(p.extraDetails ?? []), ...(p.code ? [{ name: 'ErrorCode', reason: p.code }] : [])];
  return {
    // The real API points `type` at the HTTP status' description.
    type: `https://httpstatuses.io/${p.status}`,
    title: p.title,
    ...(p.detail === undefined ? {} : { detail: p.detail }),
    ...(instance === undefined ? {} : { instance }),
    status: p.status,
    traceId: ids.traceId(),
    ...(extra.length ? { extraDetails: extra } : {}),
  };
}

/** Body of errors raised by the Azure API Management gateway in front of the real API. */
export type GatewayErrorBody = Static<typeof GatewayErrorBodySchema>;

export class GatewayError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
  body(): GatewayErrorBody {
    return { statusCode: this.statusCode, message: this.message };
  }
}
