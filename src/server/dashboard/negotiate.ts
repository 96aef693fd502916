import Negotiator from 'negotiator';

/**
 * Whether a request is a browser's (it prefers HTML to JSON): the dashboard and HTML 404s go to
 * browsers, API clients keep JSON. No Accept, `*\/*` (curl) or a tie keep JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return new Negotiator({ headers: { accept } }).mediaType(['application/json', 'text/html']) === 'text/html';
}
