/**
 * The SFTP folder layout, as a pure function of a user's reports:
 *
 *   /settlements/{inbox|archive}/{ext}/{orgno}/{msn}/{msn}-{settlement number}.{ext}
 *
 * ext ∈ csv, pdf, xlsx, xml, xml.zip. A report is in `inbox` until the user removes it there,
 * which moves it to `archive`. No settlement, no file and no folder.
 */
export const SFTP_EXTENSIONS = ['csv', 'pdf', 'xlsx', 'xml', 'xml.zip'] as const;
export type SftpExtension = (typeof SFTP_EXTENSIONS)[number];
export const BOXES = ['archive', 'inbox'] as const;
export type Box = (typeof BOXES)[number];

/** One settlement a user may see. */
export interface SftpReport {
  organizationNumber: string;
  msn: string;
  settlementId: string;
}

export type Node =
  | { kind: 'dir'; path: string; children: string[] }
  | { kind: 'file'; path: string; box: Box; ext: SftpExtension; report: SftpReport };

/** Normalizes a client path (relative paths are from `/`): no `.`/`..` escapes above the root. */
export function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

const fileName = (r: SftpReport, ext: SftpExtension) => `${r.msn}-${r.settlementId}.${ext}`;

/** What is at a path for a user: a folder with its entries, a file, or nothing. */
export function resolve(path: string, reports: readonly SftpReport[], isArchived: (r: SftpReport, ext: SftpExtension) => boolean): Node | undefined {
  const parts = normalize(path).split('/').slice(1).filter(Boolean);
  const inBox = (box: Box, r: SftpReport, ext: SftpExtension) => isArchived(r, ext) === (box === 'archive');
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const dir = (children: string[]): Node => ({ kind: 'dir', path: normalize(path), children });
  if (parts.length === 0) return dir(['settlements']);
  if (parts[0] !== 'settlements') return undefined;
  if (parts.length === 1) return dir([...BOXES]);
  const box = parts[1] as Box;
  if (!BOXES.includes(box)) return undefined;
  if (parts.length === 2) return dir([...SFTP_EXTENSIONS]);
  const ext = parts[2] as SftpExtension;
  if (!SFTP_EXTENSIONS.includes(ext)) return undefined;
  const here = reports.filter((r) => inBox(box, r, ext));
  if (parts.length === 3) return dir(uniq(here.map((r) => r.organizationNumber)));
  const ofOrg = here.filter((r) => r.organizationNumber === parts[3]);
  if (ofOrg.length === 0) return undefined;
  if (parts.length === 4) return dir(uniq(ofOrg.map((r) => r.msn)));
  const ofUnit = ofOrg.filter((r) => r.msn === parts[4]);
  if (ofUnit.length === 0) return undefined;
  if (parts.length === 5) return dir(ofUnit.map((r) => fileName(r, ext)).sort());
  if (parts.length > 6) return undefined;
  const report = ofUnit.find((r) => fileName(r, ext) === parts[5]);
  return report ? { kind: 'file', path: normalize(path), box, ext, report } : undefined;
}
