/**
 * `vipps-devkit/testdata`: Norwegian test data and the validators behind it, for merchants' own
 * tests. Everything here is pure and synchronous; generators are lazy and repeatable with a seed.
 */
export {
  accountNumberCheckDigit,
  accountNumberProblem,
  accountNumberToIban,
  formatAccountNumber,
  generateAccountNumber,
  generateDNumber,
  generateIdentityNumber,
  generateKid,
  generateNin,
  generateOrgNumber,
  isValidAccountNumber,
  isValidKid,
  isValidNin,
  isValidOrgNumber,
  kidCheckDigit,
  kidMod10CheckDigit,
  kidMod11CheckDigit,
  kidProblem,
  ninControlDigits,
  ninProblem,
  orgNumberCheckDigit,
  orgNumberProblem,
  parseNin,
  type KidAlgorithm,
  type NinInfo,
  type RandomInt,
} from '../../platform/norwegian-ids.js';
export { ageFromNin } from '../../platform/nin.js';
export { createRandom, type TestRandom } from './random.js';
export {
  COLUMNS,
  generateAccounts,
  generateCompanies,
  generateKids,
  generatePeople,
  type Account,
  type CommonOptions,
  type Company,
  type Kid,
  type KidOptions,
  type PeopleOptions,
  type Person,
  type TestDataKind,
} from './records.js';
export { formatRows, OUTPUT_FORMATS, type OutputFormat } from './format.js';
