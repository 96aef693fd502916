/**
 * eCom v2: initiate + details throughput (pairs/s) beside the ePayment create throughput measured
 * in the same run against the same `serve` process (SQLite file, durable mode), with the same
 * client concurrency. The ratio says what an eCom checkout's two calls cost next to one ePayment
 * create; both go through the group-commit queue.
 */
import { Agent, request } from 'undici';
import { BenchFailure } from './failure.js';
import { pool, startServe } from './serve-process.js';
import type { BenchFigure } from './figure.js';
import { createPaymentRequest } from './payloads.js';

const WARMUP = 300;
const REQUESTS = 3000;
const CONCURRENCY = 50;
const progress = (line: string) => process.stderr.write(`  [ecom] ${line}\n`);

export default async function ecomBench(): Promise<BenchFigure[]> {
  const serve = await startServe('ecom');
  const figures: BenchFigure[] = [];
  try {
    const { banner } = serve;
    const client = new Agent({ connections: CONCURRENCY });
    const call = async (method: 'POST' | 'GET', p: string, headers: Record<string, string>, body: string | undefined, expect: number) => {
      const res = await request(`${banner.url}${p}`, { method, headers, ...(body ? { body } : {}), dispatcher: client });
      const text = await res.body.text();
      if (res.statusCode !== expect) throw new BenchFailure(`${method} ${p}: ${res.statusCode} ${text.slice(0, 300)}`, figures);
      return text;
    };
    const token = JSON.parse(await call('POST', '/accesstoken/get', { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey }, undefined, 200)).access_token as string;
    const auth = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };

    const create = async (reference: string): Promise<void> => void (await
      call('POST', '/epayment/v1/payments', { ...auth, 'idempotency-key': reference }, JSON.stringify(createPaymentRequest(reference)), 201));
    const checkout = async (orderId: string) => {
      await call('POST', '/ecomm/v2/payments', auth, JSON.stringify({
        customerInfo: {},
        merchantInfo: { merchantSerialNumber: banner.merchantSerialNumber, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/fb' },
        transaction: { orderId, amount: 1000, transactionText: 'Bench' },
      }), 200);
      await call('GET', `/ecomm/v2/payments/${orderId}/details`, auth, undefined, 200);
    };
    const measure = async (name: string, work: (i: number) => Promise<void>) => {
      await pool(WARMUP, CONCURRENCY, (i) => work(-1 - i));
      const t0 = performance.now();
      await pool(REQUESTS, CONCURRENCY, work);
      const perSecond = REQUESTS / ((performance.now() - t0) / 1000);
      progress(`${name}: ${perSecond.toFixed(0)}/s`);
      return perSecond;
    };
    progress(`${REQUESTS} ePayment creates, then ${REQUESTS} eCom initiate+details, ${CONCURRENCY} at a time`);
    const baseline = await measure('epayment create', (i) => create(`bench-ep-${i < 0 ? `w${-i}` : i}`));
    figures.push({ name: 'epayment create', value: baseline, unit: 'ops/s' });
    const ecom = await measure('ecom initiate+details', (i) => checkout(`bench-ecom-${i < 0 ? `w${-i}` : i}`));
    figures.push({ name: 'ecom initiate+details', value: ecom, unit: 'ops/s', baseline: { name: 'epayment create', value: baseline }, ratio: ecom / baseline });
    await client.close();
    return figures;
  } finally {
    serve.stop();
  }
}
