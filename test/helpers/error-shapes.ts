import net from 'node:net';

/**
 * Each API's documented error shapes (docs/security.md, decisions 29-31, 78, 69): what an error
 * answer of a path must look like. `shapeProblems` names what is wrong, or returns [] when the
 * answer is in one of the owning API's shapes.
 */
export type ShapeName = 'problem' | 'ecom' | 'gateway' | 'aad' | 'html' | 'qr' | 'qr-exchange' | 'userinfo' | 'recurring' | 'oauth' | 'checkout' | 'ordermanagement' | 'report';

/** Which shapes an error from a path may have: the owning module's, and the gateway's where the gateway sits in front. */
export function shapesOf(path: string): ShapeName[] {
  const p = path.split('?')[0]!;
  if (p.startsWith('/devkit/')) return ['problem'];
  if (p.startsWith('/epayment/') || p.startsWith('/webhooks/')) return ['problem', 'gateway'];
  if (p.startsWith('/ecomm/') || p.startsWith('/Ecomm/')) return ['ecom', 'gateway'];
  if (p.startsWith('/accesstoken/') || p.startsWith('/accessToken/') || p === '/.well-known/jwks.json') return ['gateway', 'aad'];
  // The Recurring API (recurring.yaml ErrorV3: a problem with contextId and extraDetails {field, text}), behind the gateway.
  if (p.startsWith('/recurring/')) return ['recurring', 'gateway'];
  // Userinfo with a login's access token: RFC 6750's invalid_token.
  if (p === '/vipps-userinfo-api/userinfo' || p === '/vipps-userinfo-api/userinfo/') return ['oauth'];
  // The Userinfo API (userinfo.yaml UserinfoError: status as a string), behind the gateway.
  if (p.startsWith('/vipps-userinfo-api/')) return ['userinfo', 'gateway'];
  // Login (OAuth 2.0 errors); its login page and the fatal authorize errors are pages.
  if (p.startsWith('/access-management-1.0/access/') || p.startsWith('/vipps-login-ciba/')) return ['oauth', 'html'];
  // The QR API (qr.v1.yaml): its problem without status/traceId; the exchange endpoints' own body; ePayment's QR image (GET /qr/v1?token=) is a user-side page.
  if (p === '/qr/v1/exchange' || p.startsWith('/qr/v1/exchange/')) return ['qr-exchange', 'gateway'];
  if (p.startsWith('/qr/r/') || p.startsWith('/qr/c/')) return ['html', 'qr'];
  if (p.startsWith('/qr/')) return ['qr', 'gateway', 'html'];
  // Checkout (checkout.v3.yaml CheckoutProblemDetails) behind the gateway; its hosted page answers in pages, or in Checkout's shape before a route.
  if (p.startsWith('/checkout/')) return ['checkout', 'gateway'];
  if (p.startsWith('/vippscheckout/')) return ['html', 'checkout'];
  // Order Management (ErrorResponse: {type, title, detail, instance, invalidParams?}) behind the gateway.
  if (p.startsWith('/order-management/')) return ['ordermanagement', 'gateway'];
  // The merchant portal's pages, and the Vipps buttons' script under it.
  if (p === '/portal' || p.startsWith('/portal/')) return ['html'];
  // The Report API (report.yaml): its 401 {code, message}, {errorCode, errorMessage, contextId} for 400/500, problem+json otherwise.
  if (p.startsWith('/settlement/') || p.startsWith('/report/')) return ['report'];
  if (['/landing', '/app-switch', '/app'].some((x) => p === x || p.startsWith(`${x}/`)) || p.startsWith('/dwo-api-application/')) return ['html'];
  // The dashboard: its pages answer in pages (a missing payment), its guards and refusals as the control API's problems.
  if (p === '/dashboard' || p.startsWith('/dashboard/')) return ['html', 'problem'];
  if (p.startsWith('/api/v2/') || p === '/status' || p.startsWith('/status/') || p.startsWith('/history.')) return ['problem'];
  return ['problem'];
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isString = (v: unknown) => typeof v === 'string';

function matches(shape: ShapeName, a: Answer): boolean {
  const body = parse(a.text) as Record<string, unknown> | Record<string, unknown>[] | undefined;
  switch (shape) {
    case 'problem':
      return (
        a.contentType.startsWith('application/problem+json') &&
        !!body && !Array.isArray(body) && isString(body.type) && isString(body.title) && body.status === a.status && isString(body.traceId)
      );
    case 'ecom':
      return (
        a.contentType.startsWith('application/json') &&
        Array.isArray(body) && body.length > 0 &&
        body.every((e) => isString(e.errorGroup) && isString(e.errorCode) && isString(e.errorMessage) && isString(e.contextId))
      );
    case 'gateway':
      // Exactly the gateway's two fields: Fastify's own error body has statusCode and message too, plus error and code.
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && Object.keys(body).sort().join() === 'message,statusCode' && body.statusCode === a.status && isString(body.message);
    case 'aad':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.error) && isString(body.error_description);
    case 'qr':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.type) && isString(body.title) && isString(body.detail) && body.status === undefined;
    case 'qr-exchange':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.title) && body.status === a.status && isString(body.detail);
    case 'recurring':
      return (
        a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) &&
        isString(body.type) && body.type.startsWith('https://developer.vippsmobilepay.com/docs/APIs/recurring-api/recurring-api-problems#') &&
        isString(body.title) && body.status === a.status && isString(body.detail) && isString(body.instance) && isString(body.contextId) &&
        (body.extraDetails === undefined || (Array.isArray(body.extraDetails) && body.extraDetails.every((d: Record<string, unknown>) => isString(d.field) && isString(d.text))))
      );
    case 'userinfo':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.type) && isString(body.title) && body.status === String(a.status) && isString(body.detail);
    case 'oauth':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.error) && (body.error_description === undefined || isString(body.error_description));
    case 'checkout':
      return (
        a.contentType.startsWith('application/problem+json') &&
        !!body && !Array.isArray(body) && isString(body.errorCode) && body.status === a.status && isString(body.title) &&
        !!body.errors && typeof body.errors === 'object' && !Array.isArray(body.errors)
      );
    case 'ordermanagement':
      return a.contentType.startsWith('application/json') && !!body && !Array.isArray(body) && isString(body.type) && isString(body.title) && isString(body.detail) && isString(body.instance);
    case 'report':
      if (!a.contentType.startsWith('application/json') && !a.contentType.startsWith('application/problem+json')) return false;
      if (!body || Array.isArray(body)) return false;
      if (a.status === 401) return body.code === 'Unauthorized' && isString(body.message);
      if (typeof body.errorCode === 'number') return isString(body.errorMessage) && isString(body.contextId) && (a.status === 400 || a.status >= 500);
      return a.contentType.startsWith('application/problem+json') && isString(body.type) && isString(body.title) && body.status === a.status && isString(body.detail) && isString(body.instance);
    case 'html':
      return a.contentType.startsWith('text/html') && /^<!doctype html>/i.test(a.text.trimStart());
  }
}

/** [] when `answer` (an error) is in one of the shapes of `path`'s API; otherwise what was expected. */
export function shapeProblems(path: string, answer: Answer): string[] {
  const allowed = shapesOf(path);
  return allowed.some((s) => matches(s, answer)) ? [] : [`${answer.status} on ${path.slice(0, 120)} is not in a shape of ${allowed.join('/')}: ${answer.contentType} ${answer.text.slice(0, 200)}`];
}

export interface RawAnswer extends Answer {
  headers: Record<string, string>;
  /** The server closed the connection (after answering, or without an answer). */
  closed: boolean;
  /** No answer within the time allowed. */
  hung: boolean;
}

/**
 * Sends bytes as they are on a new connection to 127.0.0.1 and reads one response: for requests
 * fetch() would refuse to send (bad encodings, duplicate or oversized headers, broken HTTP).
 */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 5_000, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (hung: boolean, closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(data), closed, hung });
    };
    const timer = setTimeout(() => finish(true, false), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const r = parseResponse(data);
      const length = Number(r.headers['content-length'] ?? NaN);
      if (r.status > 0 && Number.isFinite(length) && Buffer.byteLength(r.text) >= length) finish(false, false);
    });
    socket.on('end', () => finish(false, true));
    socket.on('close', () => finish(false, true));
    socket.on('error', () => finish(false, true));
  });
}

function parseResponse(data: Buffer): Answer & { headers: Record<string, string> } {
  const text = data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, contentType: '', text: '', headers: {} };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1] ?? 0), contentType: headers['content-type'] ?? '', text: text.slice(end + 4), headers };
}
