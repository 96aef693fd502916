/**
 * The Userinfo API's error shape (userinfo.yaml `UserinfoError`): `{type, title, status, detail,
 * instance, extraInfo}` with `status` a string, sent as `application/json;charset=UTF-8`. Gateway
 * errors (token, subscription key) keep the gateway's `{statusCode, message}`: the server answers
 * those for every API (decision 29).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import type { ApiError, ErrorShape } from '../module.js';

export interface UserinfoProblem {
  status: number;
  title: string;
  detail: string;
  /** Named fields at fault, as `extraInfo: {<name>: {reason}}`. */
  fields?: Record<string, string>;
}

export interface UserinfoErrorBody {
  type: string;
  title: string;
  status: string;
  detail: string;
  instance: string;
  extraInfo?: Record<string, { reason: string }>;
}

export function userinfoErrorBody(p: UserinfoProblem): UserinfoErrorBody {
  return {
    type: `https://httpstatuses.io/${p.status}`,
    title: p.title,
    status: String(p.status),
    detail: p.detail,
    // "An id that can help when troubleshooting."
    instance: ids.uuid(),
    ...(p.fields ? { extraInfo: Object.fromEntries(Object.entries(p.fields).map(([k, reason]) => [k, { reason }])) } : {}),
  };
}

export function sendUserinfoProblem(reply: FastifyReply, p: UserinfoProblem): FastifyReply {
  return reply.code(p.status).type('application/json;charset=UTF-8').send(JSON.stringify(userinfoErrorBody(p)));
}

export const userinfoErrors = {
  invalidSub: (sub: string): UserinfoProblem => ({ status: 400, title: 'Bad Request', detail: `${JSON.stringify(sub)} is not a sub: a sub is a UUID, as the payment's profile.sub or eCom's details give it.`, fields: { sub: 'must be a UUID' } }),
  foreignSub: (): UserinfoProblem => ({ status: 403, title: 'Forbidden', detail: 'The sub was given to another merchant: a sub is valid only with the keys of the sales unit the user consented to.' }),
  unknownSub: (sub: string): UserinfoProblem => ({ status: 404, title: 'Not Found', detail: `No user has consented to share profile data with this sales unit under the sub ${sub}.` }),
};

/** Validation, body parser and unexpected errors of the module's routes, in its shape. */
export function userinfoErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const e = error as FastifyError;
  if (e.validation) {
    const details = validationDetails(e);
    return sendUserinfoProblem(reply, { status: 400, title: 'Bad Request', detail: details.map((d) => `${d.name}: ${d.reason}`).join('; '), fields: Object.fromEntries(details.map((d) => [d.name, d.reason])) });
  }
  const p = toProblem(error, request);
  if (p.status >= 500) return sendUserinfoProblem(reply, { status: 500, title: 'Internal Server Error', detail: 'The emulator failed on this request; the error is in its log.' });
  return sendUserinfoProblem(reply, { status: p.status, title: p.title, detail: p.detail ?? p.title, ...(p.extraDetails?.length ? { fields: Object.fromEntries(p.extraDetails.map((d) => [d.name, d.reason])) } : {}) });
}

export const userinfoErrorShape: ErrorShape = {
  send: (reply, _request, e: ApiError) => sendUserinfoProblem(reply, { status: e.status, title: e.title, detail: e.detail, ...(e.field ? { fields: { [e.field]: e.detail } } : {}) }),
  handler: userinfoErrorHandler,
};
