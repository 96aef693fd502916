import { generateIdentityNumber, osloDate } from '../../platform/nin.js';
import { accountNumberToIban, formatAccountNumber, generateAccountNumber, generateKid, generateOrgNumber, type KidAlgorithm } from '../../platform/norwegian-ids.js';
import { createRandom, type TestRandom } from './random.js';
import * as words from './words.js';

/**
 * Rows of Norwegian test data, produced lazily one at a time: a caller that stops early, or
 * streams a million rows, never holds more than the row in hand.
 */

export interface Person {
  nationalIdentityNumber: string;
  kind: 'fødselsnummer' | 'D-number' | 'synthetic';
  birthDate: string;
  age: number;
  gender: 'female' | 'male';
  firstName: string;
  lastName: string;
  phoneNumber: string;
  email: string;
  streetAddress: string;
  postalCode: string;
  city: string;
}

export interface Company {
  organisationNumber: string;
  name: string;
  organisationForm: string;
  streetAddress: string;
  postalCode: string;
  city: string;
  accountNumber: string;
  contactName: string;
  contactNationalIdentityNumber: string;
  contactPhoneNumber: string;
}

export interface Account {
  accountNumber: string;
  formatted: string;
  iban: string;
  holderName: string;
}

export interface Kid {
  kid: string;
  algorithm: KidAlgorithm;
  length: number;
}

/** Column order of each kind, for CSV headers and for documentation. */
export const COLUMNS = {
  people: ['nationalIdentityNumber', 'kind', 'birthDate', 'age', 'gender', 'firstName', 'lastName', 'phoneNumber', 'email', 'streetAddress', 'postalCode', 'city'],
  companies: ['organisationNumber', 'name', 'organisationForm', 'streetAddress', 'postalCode', 'city', 'accountNumber', 'contactName', 'contactNationalIdentityNumber', 'contactPhoneNumber'],
  accounts: ['accountNumber', 'formatted', 'iban', 'holderName'],
  kid: ['kid', 'algorithm', 'length'],
} as const satisfies Record<string, readonly string[]>;

export type TestDataKind = keyof typeof COLUMNS;

export interface CommonOptions {
  /** How many rows; Infinity for an endless stream. */
  count: number;
  /** Seeds the generator: the same seed and options give the same rows. */
  seed?: number;
  /** Ages are counted on this day (YYYY-MM-DD); today in Norway by default. */
  today?: string;
}

export interface PeopleOptions extends CommonOptions {
  minAge?: number;
  maxAge?: number;
  /** `mixed`: mostly fødselsnummer, one in ten a D-number. `synthetic`: Skatteetaten's test numbers (month + 80), held by no real person. */
  numbers?: 'mixed' | 'fødselsnummer' | 'D-number' | 'synthetic';
}

export interface KidOptions extends CommonOptions {
  /** Characters in the KID, check character included (2–25). */
  length?: number;
  /** `mixed` alternates at random. */
  algorithm?: KidAlgorithm | 'mixed';
}

const DAY_MS = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function checkCount(count: number): void {
  if (!(count === Infinity || (Number.isInteger(count) && count >= 0))) throw new RangeError('count must be a whole number, 0 or more');
}

/** The range of birth days (epoch days, inclusive) that give ages minAge..maxAge on `today`, births 1900–2039. */
function birthDayRange(today: string, minAge: number, maxAge: number): [number, number] {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  // Latest birth: exactly minAge years ago. Earliest: the day after (maxAge + 1) years ago.
  const latest = Math.min(Date.UTC(y - minAge, m - 1, d), Date.UTC(2039, 11, 31)) / DAY_MS;
  const earliest = Math.max(Date.UTC(y - maxAge - 1, m - 1, d) / DAY_MS + 1, Date.UTC(1900, 0, 1) / DAY_MS);
  if (earliest > latest) throw new RangeError('no birth dates between 1900 and 2039 give those ages');
  return [earliest, latest];
}

/** A birth date in the range, and the age it gives on `today` (its year, month and day as numbers). */
function birthDateFor(settings: ReadySettings, random: TestRandom): { birthDate: string; age: number } {
  // Plain numbers rather than date strings: this runs once per row of a million-row stream.
  const day = new Date((settings.range[0] + random.int(0, settings.range[1] - settings.range[0] + 1)) * DAY_MS);
  const by = day.getUTCFullYear();
  const bm = day.getUTCMonth() + 1;
  const bd = day.getUTCDate();
  const [ty, tm, td] = settings.todayParts;
  const age = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
  return { birthDate: `${by}-${pad2(bm)}-${pad2(bd)}`, age };
}

function checkToday(today: string | undefined): string {
  const day = today ?? osloDate(new Date());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) throw new RangeError('today must be a date, YYYY-MM-DD');
  return day;
}

function checkAges(min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min || max > 130) {
    throw new RangeError('ages must be whole numbers with 0 ≤ min-age ≤ max-age ≤ 130');
  }
}

function streetAddress(random: TestRandom): string {
  return `${random.pick(words.STREET_STEMS)}${random.pick(words.STREET_ENDINGS)} ${random.int(1, 120)}`;
}

/** A Norwegian mobile number as the APIs write it: 47 and eight digits starting with 4 or 9. */
function phoneNumber(random: TestRandom): string {
  return `47${random.pick(['4', '9'])}${String(random.int(0, 10_000_000)).padStart(7, '0')}`;
}

const asciiNames = new Map<string, string>();
/** A name as an e-mail local part: lower case, æ ø å spelt out (names come from short lists, so cached). */
function ascii(name: string): string {
  let out = asciiNames.get(name);
  if (out === undefined) {
    out = name.toLowerCase().replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a');
    asciiNames.set(name, out);
  }
  return out;
}

type PersonSettings = Required<Omit<PeopleOptions, 'count' | 'seed'>>;
type ReadySettings = PersonSettings & { range: [number, number]; todayParts: [number, number, number] };

function ready(settings: PersonSettings): ReadySettings {
  checkAges(settings.minAge, settings.maxAge);
  const todayParts = settings.today.split('-').map(Number) as [number, number, number];
  return { ...settings, range: birthDayRange(settings.today, settings.minAge, settings.maxAge), todayParts };
}

function onePerson(options: ReadySettings, random: TestRandom): Person {
  const { birthDate, age } = birthDateFor(options, random);
  const kind = options.numbers === 'mixed' ? (random.int(0, 10) === 0 ? 'D-number' : 'fødselsnummer') : options.numbers;
  const nin = generateIdentityNumber(birthDate, kind, random.int);
  // The individual number's last digit is odd for men and even for women (numbers issued before 2032).
  const gender = Number(nin[8]) % 2 === 1 ? 'male' : 'female';
  const firstName = random.pick(gender === 'male' ? words.MALE_FIRST_NAMES : words.FEMALE_FIRST_NAMES);
  const lastName = random.pick(words.LAST_NAMES);
  const [postalCode, city] = random.pick(words.PLACES);
  return {
    nationalIdentityNumber: nin,
    kind,
    birthDate,
    age,
    gender,
    firstName,
    lastName,
    phoneNumber: phoneNumber(random),
    email: `${ascii(firstName)}.${ascii(lastName)}${random.int(1, 1000)}@example.com`,
    streetAddress: streetAddress(random),
    postalCode,
    city,
  };
}

// Each generate… checks its options at once (so a bad option fails before any row is written)
// and returns the lazy generator of rows.

export function generatePeople(options: PeopleOptions): Generator<Person> {
  checkCount(options.count);
  const settings: PersonSettings = {
    today: checkToday(options.today),
    minAge: options.minAge ?? 18,
    maxAge: options.maxAge ?? 90,
    numbers: options.numbers ?? 'mixed',
  };
  if (!['mixed', 'fødselsnummer', 'D-number', 'synthetic'].includes(settings.numbers)) throw new RangeError('numbers is mixed, fødselsnummer, D-number or synthetic');
  const prepared = ready(settings);
  return repeat(options.count, createRandom(options.seed), (random) => onePerson(prepared, random));
}

export function generateCompanies(options: CommonOptions): Generator<Company> {
  checkCount(options.count);
  const contacts = ready({ today: checkToday(options.today), minAge: 20, maxAge: 75, numbers: 'mixed' });
  return repeat(options.count, createRandom(options.seed), (random) => {
    const form = random.pick(words.ORGANISATION_FORMS);
    const contact = onePerson(contacts, random);
    // A sole proprietorship (ENK) carries its owner's name, as it must.
    const name = form === 'ENK' ? `${contact.firstName} ${contact.lastName} ${random.pick(words.TRADES)}` : `${random.pick(words.COMPANY_WORDS)} ${random.pick(words.TRADES)} ${form}`;
    const [postalCode, city] = random.pick(words.PLACES);
    return {
      organisationNumber: generateOrgNumber(random.int),
      name,
      organisationForm: form,
      streetAddress: streetAddress(random),
      postalCode,
      city,
      accountNumber: generateAccountNumber(random.int),
      contactName: `${contact.firstName} ${contact.lastName}`,
      contactNationalIdentityNumber: contact.nationalIdentityNumber,
      contactPhoneNumber: contact.phoneNumber,
    };
  });
}

export function generateAccounts(options: CommonOptions): Generator<Account> {
  checkCount(options.count);
  return repeat(options.count, createRandom(options.seed), (random) => {
    const accountNumber = generateAccountNumber(random.int);
    return {
      accountNumber,
      formatted: formatAccountNumber(accountNumber),
      iban: accountNumberToIban(accountNumber),
      holderName: `${random.pick(random.int(0, 2) ? words.MALE_FIRST_NAMES : words.FEMALE_FIRST_NAMES)} ${random.pick(words.LAST_NAMES)}`,
    };
  });
}

export function generateKids(options: KidOptions): Generator<Kid> {
  checkCount(options.count);
  const length = options.length ?? 10;
  if (!Number.isInteger(length) || length < 2 || length > 25) throw new RangeError('a KID is 2 to 25 characters');
  const algorithm = options.algorithm ?? 'mixed';
  if (!['mixed', 'mod10', 'mod11'].includes(algorithm)) throw new RangeError('the KID algorithm is mod10, mod11 or mixed');
  return repeat(options.count, createRandom(options.seed), (random) => {
    const chosen: KidAlgorithm = algorithm === 'mixed' ? (random.int(0, 2) ? 'mod11' : 'mod10') : algorithm;
    return { kid: generateKid(length, chosen, random.int), algorithm: chosen, length };
  });
}

function* repeat<T>(count: number, random: TestRandom, row: (random: TestRandom) => T): Generator<T> {
  for (let i = 0; i < count; i++) yield row(random);
}
