import { escapeHtml } from '../../web/html.js';

/** One entry of the history feeds: an incident or a maintenance, with its updates newest first. */
export interface FeedEntry {
  id: string;
  title: string;
  link: string;
  published: string;
  updated: string;
  updates: Array<{ status: string; body: string; at: string }>;
}

export interface FeedPage {
  id: string;
  name: string;
  url: string;
  updatedAt: string;
}

const x = (v: unknown) => escapeHtml(v);
const label = (status: string) => status.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The entry's updates as (escaped) HTML, as statuspage.io puts them in its feeds. */
function summary(e: FeedEntry): string {
  return e.updates.map((u) => `<p><small>${x(new Date(u.at).toUTCString())}</small><br><strong>${x(label(u.status))}</strong> - ${x(u.body)}</p>`).join('');
}

/** RSS 2.0 (`/history.rss`). */
export function rss(page: FeedPage, entries: FeedEntry[]): string {
  const items = entries
    .map(
      (e) => `    <item>
      <title>${x(e.title)}</title>
      <description>${x(summary(e))}</description>
      <pubDate>${x(new Date(e.updated).toUTCString())}</pubDate>
      <link>${x(e.link)}</link>
      <guid isPermaLink="false">${x(`${page.id}:${e.id}`)}</guid>
    </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${x(`${page.name} Status - Incident History`)}</title>
    <link>${x(page.url)}</link>
    <description>${x(`Statuspage for ${page.name}`)}</description>
    <atom:link href="${x(`${page.url.replace(/\/status$/, '')}/history.rss`)}" rel="self" type="application/rss+xml"/>
    <lastBuildDate>${x(new Date(page.updatedAt).toUTCString())}</lastBuildDate>
${items}
  </channel>
</rss>
`;
}

/** Atom 1.0 (`/history.atom`). */
export function atom(page: FeedPage, entries: FeedEntry[]): string {
  const base = page.url.replace(/\/status$/, '');
  const items = entries
    .map(
      (e) => `  <entry>
    <id>${x(`tag:vipps-devkit,2024:${e.id}`)}</id>
    <published>${x(e.published)}</published>
    <updated>${x(e.updated)}</updated>
    <link rel="alternate" type="text/html" href="${x(e.link)}"/>
    <title>${x(e.title)}</title>
    <content type="html">${x(summary(e))}</content>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>${x(`tag:vipps-devkit,2024:${page.id}`)}</id>
  <link rel="alternate" type="text/html" href="${x(page.url)}"/>
  <link rel="self" type="application/atom+xml" href="${x(`${base}/history.atom`)}"/>
  <title>${x(`${page.name} Status - Incident History`)}</title>
  <updated>${x(page.updatedAt)}</updated>
  <author>
    <name>${x(page.name)}</name>
  </author>
${items}
</feed>
`;
}
