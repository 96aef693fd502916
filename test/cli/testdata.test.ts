/**
 * `vipps-devkit testdata` as a user runs it: the built CLI in its own process, its output parsed
 * and every identifier checked by validators from npm (not by our own code).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import luhn from 'luhn';
import { iban as nvIban, kidnummer as nvKid, kontonummer as nvKonto, organisasjonsnummer as nvOrg } from 'norsk-validator';
import { getGender, Gender, NorwegianId, possibleBirthDateOfIdNumber, validateNorwegianIdNumber } from 'norwegian-national-id-validator';
import { describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli.js';

const TODAY = '2026-11-28';

function ageOn(birthDate: string, today: string): number {
  const b = new Date(`${birthDate}T00:00:00Z`);
  const t = new Date(`${today}T00:00:00Z`);
  let age = t.getUTCFullYear() - b.getUTCFullYear();
  if (t.getUTCMonth() < b.getUTCMonth() || (t.getUTCMonth() === b.getUTCMonth() && t.getUTCDate() < b.getUTCDate())) age -= 1;
  return age;
}

const localDay = (d: Date | undefined) => d && `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

async function ok(args: string[]): Promise<string> {
  const r = await runCli(['testdata', ...args], 60_000);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return r.stdout;
}

describe('vipps-devkit testdata', () => {
  it('answers --help for the group and for each kind', async () => {
    const group = await runCli(['testdata', '--help']);
    expect(group.code).toBe(0);
    for (const kind of ['people', 'companies', 'accounts', 'kid']) expect(group.stdout).toContain(kind);
    const people = await runCli(['testdata', 'people', '--help']);
    expect(people.code).toBe(0);
    expect(people.stdout).toMatch(/--count <n>/);
    expect(people.stdout).toMatch(/--format <format>.*choices: "csv", "json", "jsonl"/s);
    expect(people.stdout).toMatch(/--seed/);
    expect(people.stdout).toMatch(/--min-age/);
  });

  it('people as CSV: valid numbers (checked by norwegian-national-id-validator), birth dates, ages and genders that agree', async () => {
    const out = await ok(['people', '--count', '300', '--seed', '7', '--today', TODAY, '--min-age', '20', '--max-age', '60']);
    const rows = parse(out, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(300);
    expect(Object.keys(rows[0]!)).toEqual(['nationalIdentityNumber', 'kind', 'birthDate', 'age', 'gender', 'firstName', 'lastName', 'phoneNumber', 'email', 'streetAddress', 'postalCode', 'city']);
    const kinds = new Set<string>();
    for (const row of rows) {
      const nin = row.nationalIdentityNumber!;
      expect(validateNorwegianIdNumber(nin), nin).toBe(true);
      expect(NorwegianId(nin).isDNumber(), nin).toBe(row.kind === 'D-number');
      expect(localDay(possibleBirthDateOfIdNumber(nin)), nin).toBe(row.birthDate);
      expect(Number(row.age)).toBe(ageOn(row.birthDate!, TODAY));
      expect(Number(row.age)).toBeGreaterThanOrEqual(20);
      expect(Number(row.age)).toBeLessThanOrEqual(60);
      expect(row.gender).toBe(getGender(nin) === Gender.Male ? 'male' : 'female');
      expect(row.phoneNumber).toMatch(/^47[49]\d{7}$/);
      expect(row.postalCode).toMatch(/^\d{4}$/);
      expect(row.firstName).toBeTruthy();
      kinds.add(row.kind!);
    }
    // Mixed by default: mostly fødselsnummer, some D-numbers.
    expect([...kinds].sort()).toEqual(['D-number', 'fødselsnummer']);
  });

  it('the same seed gives the same rows; another seed other rows', async () => {
    const a = await ok(['people', '-n', '50', '--seed', '42', '--today', TODAY]);
    const b = await ok(['people', '-n', '50', '--seed', '42', '--today', TODAY]);
    const c = await ok(['people', '-n', '50', '--seed', '43', '--today', TODAY]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('synthetic numbers put 80 on the month', async () => {
    const rows = JSON.parse(await ok(['people', '-n', '50', '--numbers', 'synthetic', '--format', 'json', '--today', TODAY])) as Array<{ nationalIdentityNumber: string; kind: string; birthDate: string }>;
    for (const row of rows) {
      expect(row.kind).toBe('synthetic');
      expect(Number(row.nationalIdentityNumber.slice(2, 4)) - 80).toBe(Number(row.birthDate.slice(5, 7)));
    }
  });

  it('companies as JSON: organisation and account numbers valid by norsk-validator, the contact by norwegian-national-id-validator', async () => {
    const rows = JSON.parse(await ok(['companies', '--count', '200', '--format', 'json', '--seed', '3'])) as Array<Record<string, string>>;
    expect(rows).toHaveLength(200);
    for (const row of rows) {
      expect(nvOrg(row.organisationNumber!), row.organisationNumber).toBe(true);
      expect(row.organisationNumber).toMatch(/^[89]/);
      expect(nvKonto(row.accountNumber!), row.accountNumber).toBe(true);
      expect(validateNorwegianIdNumber(row.contactNationalIdentityNumber!), row.contactNationalIdentityNumber).toBe(true);
      expect(row.name).toContain(row.organisationForm === 'ENK' ? row.contactName! : row.organisationForm!);
    }
  });

  it('accounts as JSON lines: account number, written form and IBAN all valid', async () => {
    const lines = (await ok(['accounts', '--count', '200', '--format', 'jsonl'])).trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    for (const line of lines) {
      const row = JSON.parse(line) as { accountNumber: string; formatted: string; iban: string };
      expect(nvKonto(row.accountNumber), row.accountNumber).toBe(true);
      expect(row.formatted).toBe(`${row.accountNumber.slice(0, 4)}.${row.accountNumber.slice(4, 6)}.${row.accountNumber.slice(6)}`);
      expect(nvIban(row.iban), row.iban).toBe(true);
      expect(row.iban.slice(4)).toBe(row.accountNumber);
    }
  });

  it('KID: MOD10 valid by luhn, MOD11 valid by norsk-validator (or - where no digit fits), at the length asked for', async () => {
    const rows = parse(await ok(['kid', '--count', '400', '--length', '12', '--seed', '9']), { columns: true }) as Array<{ kid: string; algorithm: string; length: string }>;
    expect(new Set(rows.map((r) => r.algorithm))).toEqual(new Set(['mod10', 'mod11']));
    for (const { kid, algorithm, length } of rows) {
      expect(kid).toHaveLength(12);
      expect(length).toBe('12');
      if (algorithm === 'mod10') expect(luhn.validate(kid), kid).toBe(true);
      else if (kid.endsWith('-')) for (const d of '0123456789') expect(nvKid(kid.slice(0, -1) + d, true, false)).toBe(false);
      else expect(nvKid(kid, true, false), kid).toBe(true);
    }
    const mod11 = parse(await ok(['kid', '-n', '50', '--algorithm', 'mod11', '--length', '2']), { columns: true }) as Array<{ algorithm: string }>;
    expect(mod11.every((r) => r.algorithm === 'mod11')).toBe(true);
  });

  it('zero rows: a CSV header alone, an empty JSON array', async () => {
    expect(await ok(['kid', '-n', '0'])).toBe('kid,algorithm,length\n');
    expect(JSON.parse(await ok(['kid', '-n', '0', '-f', 'json']))).toEqual([]);
  });

  it.each([
    [['people'], /required option '-n, --count <n>'/],
    [['people', '-n', '-1'], /--count must be a whole number/],
    [['people', '-n', 'ten'], /--count must be a whole number/],
    [['people', '-n', '5', '-f', 'xml'], /Allowed choices are csv, json, jsonl/],
    [['people', '-n', '5', '--min-age', '60', '--max-age', '20'], /min-age ≤ max-age/],
    [['people', '-n', '5', '--today', '2026-13-45'], /YYYY-MM-DD/],
    [['people', '-n', '5', '--seed', 'x'], /seed must be an integer/],
    [['kid', '-n', '5', '--length', '26'], /--length must be a whole number from 2 to 25/],
    [['kid', '-n', '5', '--algorithm', 'mod12'], /Allowed choices are mod10, mod11, mixed/],
    [['pets', '-n', '5'], /unknown command 'pets'/],
  ])('refuses %j with a clear message and a non-zero exit', async (args, message) => {
    const r = await runCli(['testdata', ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('draws a progress bar on stderr with --progress, and none when stderr is not a terminal', async () => {
    const withBar = await runCli(['testdata', 'kid', '-n', '20000', '--progress'], 60_000);
    expect(withBar.code).toBe(0);
    expect(withBar.stderr).toMatch(/kid \[.*\] 100% \| 20000\/20000 rows/);
    expect(withBar.stdout.trimEnd().split('\n')).toHaveLength(20001);
    const without = await runCli(['testdata', 'kid', '-n', '20000'], 60_000);
    expect(without.stderr).toBe('');
  });

  // util-linux `script` runs a command on a pseudo-terminal, as a user's shell would.
  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasScript) console.warn('skipping the terminal progress-bar test: util-linux `script` is not installed');
  it.skipIf(!hasScript)('draws the bar by itself when stderr is a terminal and the count is large', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'testdata-')), 'people.csv');
    const shell = `'${process.execPath}' '${cliPath}' testdata people --count 20000 > '${out}'`;
    const child = spawn('script', ['-qec', shell, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let terminal = '';
    child.stdout.on('data', (d) => (terminal += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(terminal).toMatch(/people \[=+\] 100% \| 20000\/20000 rows/);
    // The rows went to the file alone, none of the bar with them.
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20001);
    expect(lines.every((l) => !l.includes('rows |'))).toBe(true);
  });

  it('streams: a reader that stops after a few rows of a billion ends the run at once, with success', async () => {
    const child = spawn(process.execPath, [cliPath, 'testdata', 'people', '--count', '1000000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout });
    let seen = 0;
    for await (const line of lines) {
      if (seen > 0) expect(validateNorwegianIdNumber(line.split(',')[0]!), line).toBe(true);
      if (++seen === 2000) break;
    }
    // Closing our end is what `| head` does: the CLI sees EPIPE and stops instead of making the rest.
    child.stdout.destroy();
    const [code] = await once(child, 'exit');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
