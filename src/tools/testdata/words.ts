/**
 * Small word lists for Norwegian-looking test data. Common names and ordinary street-name parts,
 * combined at random, so a row looks plausible without describing anyone real.
 */
export const FEMALE_FIRST_NAMES = [
  'Anne', 'Ingrid', 'Kari', 'Marit', 'Liv', 'Ida', 'Nora', 'Emma', 'Sofie', 'Ingeborg',
  'Hilde', 'Silje', 'Astrid', 'Solveig', 'Maja', 'Thea', 'Tone', 'Randi', 'Sigrid', 'Åse',
] as const;

export const MALE_FIRST_NAMES = [
  'Jan', 'Per', 'Bjørn', 'Ole', 'Lars', 'Kjell', 'Knut', 'Arne', 'Svein', 'Hans',
  'Jakob', 'Emil', 'Noah', 'Filip', 'Magnus', 'Håkon', 'Sindre', 'Eirik', 'Øystein', 'Tor',
] as const;

export const LAST_NAMES = [
  'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen',
  'Jensen', 'Karlsen', 'Johnsen', 'Pettersen', 'Eriksen', 'Berg', 'Haugen', 'Hagen',
  'Johannessen', 'Andreassen', 'Jacobsen', 'Dahl', 'Jørgensen', 'Halvorsen', 'Lund', 'Sørensen',
  'Strand', 'Bakken', 'Moen', 'Solberg', 'Lie', 'Ødegård',
] as const;

export const STREET_STEMS = [
  'Stor', 'Kirke', 'Skole', 'Strand', 'Bjørke', 'Fjell', 'Sjø', 'Eike', 'Furu', 'Møller',
  'Brygge', 'Torg', 'Hage', 'Elve', 'Skog', 'Løkke', 'Dal', 'Vik', 'Myr', 'Åsen',
] as const;

export const STREET_ENDINGS = ['gata', 'veien', 'vegen', 'bakken', 'lia', 'stien', 'svingen', 'tunet'] as const;

/** Postal code and town pairs from across the country. */
export const PLACES = [
  ['0150', 'Oslo'], ['0560', 'Oslo'], ['1337', 'Sandvika'], ['1532', 'Moss'], ['2317', 'Hamar'],
  ['2609', 'Lillehammer'], ['3015', 'Drammen'], ['3117', 'Tønsberg'], ['3611', 'Kongsberg'],
  ['4006', 'Stavanger'], ['4307', 'Sandnes'], ['4611', 'Kristiansand'], ['5003', 'Bergen'],
  ['5527', 'Haugesund'], ['6002', 'Ålesund'], ['6413', 'Molde'], ['7010', 'Trondheim'],
  ['7713', 'Steinkjer'], ['8006', 'Bodø'], ['9008', 'Tromsø'], ['9600', 'Hammerfest'], ['9900', 'Kirkenes'],
] as const;

/** The first word of a company name, then its trade. */
export const COMPANY_WORDS = [
  'Nordlys', 'Fjord', 'Vidde', 'Polar', 'Lofoten', 'Bølge', 'Tind', 'Havbris', 'Midnattsol', 'Skjær',
  'Furu', 'Elg', 'Måke', 'Bre', 'Trollheim', 'Sølv', 'Rein', 'Løvetann', 'Kyst', 'Snøfugl',
] as const;

export const TRADES = [
  'Bakeri', 'Kaffebar', 'Sport', 'Elektro', 'Bok', 'Blomster', 'Sykkel', 'Fisk', 'Interiør',
  'Data', 'Regnskap', 'Frisør', 'Rør', 'Reise', 'Klær', 'Is', 'Bygg', 'Optikk',
] as const;

/** Organisation forms, weighted towards the common AS by repetition. */
export const ORGANISATION_FORMS = ['AS', 'AS', 'AS', 'AS', 'ENK', 'ENK', 'ASA', 'DA', 'SA'] as const;
