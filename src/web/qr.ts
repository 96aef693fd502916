// Loaded on the first QR code: most starts never draw one, and the package costs start-up time.
const qrcode = () => import('qrcode').then((m) => m.default);

export type QrImage = { contentType: string; body: string | Buffer };

/**
 * A real QR code of the payment link: SVG unless the payment asked for IMAGE/PNG (then `size`
 * pixels wide, 1024 by default, as the API documents).
 */
export async function qrImage(text: string, format: { format: string; size?: number | null } | undefined): Promise<QrImage> {
  if (format?.format === 'IMAGE/PNG') {
    const body = await (await qrcode()).toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: format.size ?? 1024 });
    return { contentType: 'image/png', body };
  }
  const body = await (await qrcode()).toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { contentType: 'image/svg+xml; charset=utf-8', body };
}
