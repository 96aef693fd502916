import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import type { TestUsers } from '../../platform/test-users.js';
import type { QrService, ScanRefusal } from './service.js';

const ScanBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 4096 }),
    /** The test user who scans (8 digits or with country code); the first test user when left out. */
    phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$' })),
  },
  { additionalProperties: false },
);

const PersonalQrBody = Type.Union([
  Type.Null(),
  Type.Object({ phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$' })) }, { additionalProperties: false }),
]);

/** Where a scanned code leads: a merchant redirect, or a check-in (with the webhook's payload). */
const Scanned = Type.Union([
  Type.Object({ kind: Type.Literal('merchant-redirect'), msn: Type.String(), id: Type.String(), target: Type.String() }),
  Type.Object({
    kind: Type.Literal('merchant-callback'),
    msn: Type.String(),
    locationDescription: Type.String(),
    phoneNumber: Type.String(),
    customerToken: Type.String(),
    merchantQrId: Type.String(),
    merchantSerialNumber: Type.String(),
    initiatedAt: Type.String(),
  }),
]);
const PersonalQr = Type.Object({ qrCode: Type.String(), phoneNumber: Type.String(), version: Type.Literal('2.0'), timestamp: Type.Integer() });

/**
 * Test helpers for the QR API under `/devkit/v1/qr` (behind the control API's guard, RFC 7807
 * errors). `scan`: a test user scans a code with the Vipps app. Post the content you decoded from
 * your QR image: a merchant redirect code answers where it leads; a merchant callback code checks
 * the user in, which sends the sales unit its `user.checked-in.v1` webhook. `personal-qr`: the QR
 * a test user shows in the app, for `POST /qr/v1/exchange`.
 */
export const qrControl = (qr: QrService, users: TestUsers): FastifyPluginAsyncTypebox => async (app) => {
  const phoneOf = async (given: string | undefined) => (given === undefined ? ((await users.list())[0]?.phoneNumber ?? '') : given.length === 8 ? `47${given}` : given);
  const refuse = (refusal: ScanRefusal): never => {
    if (refusal.reason === 'unknown-user') throw new ProblemError({ ...problem(400, 'Unknown user', `${refusal.phoneNumber || '(none)'} is not a test user.`), extraDetails: [{ name: 'phoneNumber', reason: 'is not a test user' }] });
    throw new ProblemError(problem(404, 'Not Found', 'That content is not a QR code of this emulator that is in use (deleted, expired, or never made).'));
  };

  app.post('/scan', { schema: { summary: 'A test user scans a QR code with the app', body: ScanBody, response: { 200: Scanned } } }, async (request) => {
    const scanned = await qr.scan(request.body.content, await phoneOf(request.body.phoneNumber));
    return scanned.ok ? scanned.value : refuse(scanned.problem);
  });

  // The QR a test user shows in the app, for a sales unit to scan and exchange (POST /qr/v1/exchange).
  app.post('/personal-qr', { schema: { summary: 'The QR a test user shows in the app', body: PersonalQrBody, response: { 201: PersonalQr } } }, async (request, reply) => {
    const made = await qr.personalQr(await phoneOf(request.body?.phoneNumber));
    return made.ok ? reply.code(201).send(made.value) : refuse(made.problem);
  });
};
