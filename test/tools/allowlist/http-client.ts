/** A tiny HTTP client that can pick its source address on 127.0.0.0/8, to play different peers. */
import http from 'node:http';

export function get(port: number, from: string, headers: Record<string, string> = {}, path = '/vipps/callback'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', localAddress: from, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
