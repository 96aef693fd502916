import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import type { QrService } from './service.js';

const ScanBody = Type.Object({ content: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });

/**
 * Test helpers for the QR API under `/devkit/v1/qr` (behind the control API's guard, RFC 7807
 * errors). `scan`: what a printed code does when someone scans it now — decode your shop's QR
 * image, post its content, and see which merchant, id and URL it leads to.
 */
export const qrControl = (qr: QrService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/scan', { schema: { body: ScanBody } }, async (request) => {
    const scanned = await qr.scan(request.body.content);
    if (!scanned) throw new ProblemError(problem(404, 'Not Found', 'That content is not a QR code of this emulator that is in use (deleted, expired, or never made).'));
    return scanned;
  });
};
