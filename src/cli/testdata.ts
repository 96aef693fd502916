import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  COLUMNS,
  formatRows,
  generateAccounts,
  generateCompanies,
  generateKids,
  generatePeople,
  OUTPUT_FORMATS,
  type OutputFormat,
  type TestDataKind,
} from '../tools/testdata/index.js';

/** Below this many rows a run is over before a bar would say anything. */
const PROGRESS_FROM = 10_000;
// Digits grouped without Intl: the help is built at every start, and ICU's number data would load for it.
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

interface Common {
  count: number;
  format: OutputFormat;
  seed?: number;
  today?: string;
  progress?: boolean;
}

function wholeNumber(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}.`);
    }
    return Number(value);
  };
}

function seed(value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('the seed must be an integer.');
  return Number(value);
}

function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected a date, YYYY-MM-DD.');
  return value;
}

/**
 * Streams rows to stdout: the chunks are pulled only as fast as stdout drains, so memory stays
 * flat however many rows are asked for. A progress bar goes to stderr when that is a terminal.
 */
async function emit(kind: TestDataKind, rows: Iterable<object>, o: Common): Promise<void> {
  const showBar = o.progress ?? (process.stderr.isTTY === true && o.count >= PROGRESS_FROM);
  const bar = showBar
    ? new SingleBar({ stream: process.stderr, noTTYOutput: true, notTTYSchedule: 1000, format: `${kind} [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`, hideCursor: true })
    : undefined;
  bar?.start(o.count, 0);
  try {
    const chunks = formatRows(rows, COLUMNS[kind], o.format, (n) => bar?.increment(n));
    await pipeline(Readable.from(chunks, { highWaterMark: 2 }), process.stdout, { end: false });
  } catch (err) {
    // A reader that stops early (`| head`) closes the pipe: that ends the output, not in error.
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  } finally {
    bar?.stop();
  }
}

function withCommonOptions(command: Command): Command {
  return command
    .requiredOption('-n, --count <n>', 'how many rows', wholeNumber('--count', 0))
    .addOption(new Option('-f, --format <format>', 'output format').choices(OUTPUT_FORMATS).default('csv'))
    .option('--seed <integer>', 'the same seed and options give the same rows', seed)
    .option('--today <date>', 'count ages on this day (YYYY-MM-DD; default: today in Norway)', date)
    .option('--progress', `show a progress bar on stderr (default: for ${thousands(PROGRESS_FROM)}+ rows when stderr is a terminal)`)
    .option('--no-progress', 'never show a progress bar');
}

/** `vipps-devkit testdata people|companies|accounts|kid`: valid Norwegian test data, streamed. */
export function testdataCommand(): Command {
  const people = withCommonOptions(new Command('people'))
    .description('people with a valid fødselsnummer or D-number, birth date, age, gender, name, phone number and address')
    .option('--min-age <years>', 'youngest age', wholeNumber('--min-age', 0, 130), 18)
    .option('--max-age <years>', 'oldest age', wholeNumber('--max-age', 0, 130), 90)
    .addOption(
      new Option('--numbers <kind>', 'mixed: fødselsnummer and one in ten a D-number; synthetic: Skatteetaten test numbers (month + 80), never a real person\'s')
        .choices(['mixed', 'fødselsnummer', 'D-number', 'synthetic'])
        .default('mixed'),
    )
    .action((o: Common & { minAge: number; maxAge: number; numbers: 'mixed' | 'fødselsnummer' | 'D-number' | 'synthetic' }) =>
      emit('people', generatePeople(o), o),
    );

  const companies = withCommonOptions(new Command('companies'))
    .description('companies with a valid organisation number, name, form, address, bank account and a contact person with a fødselsnummer or D-number')
    .action((o: Common) => emit('companies', generateCompanies(o), o));

  const accounts = withCommonOptions(new Command('accounts'))
    .description('bank account numbers (mod 11), written NNNN.NN.NNNNN and as IBAN, with a holder name')
    .action((o: Common) => emit('accounts', generateAccounts(o), o));

  const kid = withCommonOptions(new Command('kid'))
    .description('KID payment references with a MOD10 (Luhn) or MOD11 check character')
    .option('--length <n>', 'characters, the check character included', wholeNumber('--length', 2, 25), 10)
    .addOption(new Option('--algorithm <algorithm>', 'check-digit algorithm; mixed picks one per row').choices(['mod10', 'mod11', 'mixed']).default('mixed'))
    .action((o: Common & { length: number; algorithm: 'mod10' | 'mod11' | 'mixed' }) => emit('kid', generateKids(o), o));

  return new Command('testdata')
    .description('generate valid Norwegian test data (people, companies, bank accounts, KID) as CSV, JSON or JSON lines')
    .addCommand(people)
    .addCommand(companies)
    .addCommand(accounts)
    .addCommand(kid)
    .addHelpText(
      'after',
      `
Examples:
  vipps-devkit testdata people --count 100 > people.csv
  vipps-devkit testdata people --count 5 --min-age 0 --max-age 17 --format json
  vipps-devkit testdata companies --count 20 --seed 1 --format jsonl
  vipps-devkit testdata kid --count 10 --length 12 --algorithm mod11

The validators and generators are importable in your own tests: import { ... } from 'vipps-devkit/testdata'.`,
    );
}
