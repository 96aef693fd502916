/**
 * A stand-in for the Brønnøysund register (Enhetsregisteret) with made-up test companies: the
 * portal looks an organisation number up here as the real portal fills in the company from the
 * register. A few named companies for docs and tests, and a synthetic entry for every other
 * valid number, so numbers from `vipps-devkit testdata companies` resolve too. Pure.
 */
import { orgNumberProblem } from '../../platform/norwegian-ids.js';

export type OrganisationForm = 'AS' | 'ENK' | 'ASA' | 'NUF';

export interface RegisteredCompany {
  orgNumber: string;
  name: string;
  /** NUF: a foreign company's Norwegian registration (norskregistrert utenlandsk foretak). */
  form: OrganisationForm;
  /** ISO 3166 country where the company is incorporated: NO, or the home country of a NUF. */
  country: string;
  address: { street: string; postalCode: string; city: string; country: string };
}

const NAMED: readonly RegisteredCompany[] = [
  { orgNumber: '912345602', name: 'Fjordkaffe AS', form: 'AS', country: 'NO', address: { street: 'Karl Johans gate 12', postalCode: '0154', city: 'Oslo', country: 'NO' } },
  { orgNumber: '923456716', name: 'Nordlys Sykkel AS', form: 'AS', country: 'NO', address: { street: 'Strandkaien 4', postalCode: '5013', city: 'Bergen', country: 'NO' } },
  { orgNumber: '975312461', name: 'Bakeriet på hjørnet Kari Nordmann', form: 'ENK', country: 'NO', address: { street: 'Munkegata 3', postalCode: '7011', city: 'Trondheim', country: 'NO' } },
  { orgNumber: '987654325', name: 'Svensk Design AB NUF', form: 'NUF', country: 'SE', address: { street: 'Drottninggatan 50', postalCode: '111 21', city: 'Stockholm', country: 'SE' } },
  { orgNumber: '998877660', name: 'Dansk Cykel ApS NUF', form: 'NUF', country: 'DK', address: { street: 'Vesterbrogade 8', postalCode: '1620', city: 'København V', country: 'DK' } },
  { orgNumber: '933445569', name: 'Berlin Tech GmbH NUF', form: 'NUF', country: 'DE', address: { street: 'Friedrichstraße 100', postalCode: '10117', city: 'Berlin', country: 'DE' } },
];

const WORDS = ['Fjell', 'Skog', 'Havn', 'Elv', 'Kyst', 'Dal', 'Bre', 'Myr', 'Vik', 'Ås'];
const TRADES = ['Handel', 'Data', 'Bygg', 'Mat', 'Design', 'Reiser', 'Sport', 'Musikk', 'Helse', 'Media'];
const HOME_COUNTRIES = [
  { country: 'SE', suffix: 'AB', city: 'Göteborg', postalCode: '411 06' },
  { country: 'DK', suffix: 'ApS', city: 'Aarhus', postalCode: '8000' },
  { country: 'DE', suffix: 'GmbH', city: 'Hamburg', postalCode: '20095' },
  { country: 'GB', suffix: 'Ltd', city: 'London', postalCode: 'EC1A 1BB' },
  { country: 'FI', suffix: 'Oy', city: 'Helsinki', postalCode: '00100' },
];

/** The named test companies, for the portal's list of examples. */
export const TEST_COMPANIES: readonly RegisteredCompany[] = NAMED;

/**
 * The register's entry for an organisation number, or why there is none. Every valid number has
 * one: about one in five (the seventh digit 0 or 1) is a foreign company's NUF registration.
 */
export function lookUpCompany(input: string): { found: RegisteredCompany } | { problem: string } {
  const orgNumber = input.replace(/\s/g, '');
  const problem = orgNumberProblem(orgNumber);
  if (problem) return { problem: `The organisation number is not valid: ${problem}.` };
  const named = NAMED.find((c) => c.orgNumber === orgNumber);
  if (named) return { found: named };
  const d = [...orgNumber].map(Number);
  const base = `${WORDS[d[3]!]}${TRADES[d[4]!]!.toLowerCase()}`;
  if (d[6]! <= 1) {
    const home = HOME_COUNTRIES[(d[5]! + d[7]!) % HOME_COUNTRIES.length]!;
    return { found: { orgNumber, name: `${base} ${home.suffix} NUF`, form: 'NUF', country: home.country, address: { street: `Testgatan ${d[8]! + 1}`, postalCode: home.postalCode, city: home.city, country: home.country } } };
  }
  const form: OrganisationForm = d[5]! === 9 ? 'ASA' : 'AS';
  return { found: { orgNumber, name: `${base} ${form}`, form, country: 'NO', address: { street: `Testveien ${d[8]! + 1}`, postalCode: '0150', city: 'Oslo', country: 'NO' } } };
}
