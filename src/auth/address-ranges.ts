import { BlockList, isIP } from 'node:net';

/** A set of CIDR ranges (IPv4 and IPv6), checked against a caller's address. */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(readonly ranges: readonly string[]) {
    for (const range of ranges) {
      const [address = '', bits] = range.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
      this.list.addSubnet(address, prefix, family);
    }
  }

  /** True when `address` (IPv4, IPv6 or IPv4-mapped IPv6) is in a range; `local` and unknown addresses are not. */
  has(address: string): boolean {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}
