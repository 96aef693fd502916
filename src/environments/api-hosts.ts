/**
 * The host names of the Vipps APIs (test and production). The built-in DNS server answers them
 * with the emulator's address and the emulator's HTTPS certificate names them, so a program with
 * `https://apitest.vipps.no` built in reaches the emulator unchanged (docs/any-language.md).
 */
export const VIPPS_API_HOSTS = ['apitest.vipps.no', 'api.vipps.no'] as const;

export function isVippsApiHost(name: string): boolean {
  return (VIPPS_API_HOSTS as readonly string[]).includes(name.toLowerCase().replace(/\.$/, ''));
}
