// IPv4 arithmetic and the address allocator that clusters sharing a pod subnet draw from.

export function ipToInt(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function parseCidr(text: string): Cidr {
  const [ip, len] = text.split("/");
  const prefix = Number(len);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not a CIDR: ${text}`);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, prefix, size };
}

export function formatCidr(base: number, prefix: number): string {
  return `${intToIp(base)}/${prefix}`;
}

/**
 * One subnet's address space as a bitmap. Azure reserves the first four addresses and the last
 * one of every VNet subnet; an overlay pod CIDR reserves nothing.
 */
export class SubnetPool {
  readonly cidr: Cidr;
  readonly text: string;
  private readonly used: Uint8Array;
  private cursor = 0;
  private inUse = 0;

  constructor(cidr: string, opts: { azureReserved: boolean }) {
    this.cidr = parseCidr(cidr);
    if (this.cidr.prefix < 8) throw new Error(`subnet ${cidr} is larger than the simulator supports (/8)`);
    this.text = formatCidr(this.cidr.base, this.cidr.prefix);
    this.used = new Uint8Array(this.cidr.size);
    if (opts.azureReserved && this.cidr.size >= 8) {
      for (const off of [0, 1, 2, 3, this.cidr.size - 1]) this.mark(off, 1, 1);
    }
  }

  get capacity(): number {
    return this.cidr.size;
  }

  /** Addresses taken, reserved ones included. */
  get usedCount(): number {
    return this.inUse;
  }

  get freeCount(): number {
    return this.cidr.size - this.inUse;
  }

  /** The subnet's first usable address, which Azure uses as the gateway. */
  get gateway(): string {
    return intToIp(this.cidr.base + 1);
  }

  /** Allocates an aligned run of `size` addresses (a power of two); next-fit, so O(1) amortised. */
  allocate(size: number): number | undefined {
    if (size < 1 || (size & (size - 1)) !== 0 || size > this.cidr.size) throw new Error(`bad allocation size ${size}`);
    const total = this.cidr.size;
    let off = Math.ceil(this.cursor / size) * size;
    for (let scanned = 0; scanned < total; scanned += size, off += size) {
      if (off >= total) off = 0;
      if (this.isFree(off, size)) {
        this.mark(off, size, 1);
        this.cursor = off + size;
        return this.cidr.base + off;
      }
    }
    return undefined;
  }

  /** Marks a specific run as taken (for objects injected as-is); false if any address was taken. */
  claim(addr: number, size: number): boolean {
    const off = addr - this.cidr.base;
    if (off < 0 || off + size > this.cidr.size || !this.isFree(off, size)) return false;
    this.mark(off, size, 1);
    return true;
  }

  release(addr: number, size: number): void {
    const off = addr - this.cidr.base;
    if (off < 0 || off + size > this.cidr.size) return;
    this.mark(off, size, 0);
  }

  contains(addr: number): boolean {
    return addr >= this.cidr.base && addr < this.cidr.base + this.cidr.size;
  }

  private isFree(off: number, size: number): boolean {
    for (let i = off; i < off + size; i++) if (this.used[i] === 1) return false;
    return true;
  }

  private mark(off: number, size: number, v: 0 | 1): void {
    for (let i = off; i < off + size; i++) {
      if (this.used[i] !== v) this.inUse += v === 1 ? 1 : -1;
      this.used[i] = v;
    }
  }
}

/** Where a pod subnet lives in Azure; clusters with equal descriptors share one allocator. */
export interface PodSubnet {
  name: string;
  cidr: string;
  vnet: string;
  resourceGroup: string;
  subscription: string;
}

export function podSubnetKey(s: PodSubnet): string {
  return [s.subscription, s.resourceGroup, s.vnet, s.name].map((x) => x.toLowerCase()).join("/");
}

/** The subnet's ARM resource id, as CNS builds it for the podnet_arm_id label. */
export function armSubnetId(subscription: string, resourceGroup: string, vnet: string, subnet: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}`;
}

export function podSubnetArmId(s: PodSubnet): string {
  return armSubnetId(s.subscription, s.resourceGroup, s.vnet, s.name);
}

/** The fleet's pod subnets, keyed by ARM identity. */
export class SubnetPools {
  private readonly pools = new Map<string, SubnetPool>();

  get(subnet: PodSubnet): SubnetPool {
    const key = podSubnetKey(subnet);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new SubnetPool(subnet.cidr, { azureReserved: true });
      this.pools.set(key, pool);
    } else if (pool.text !== formatCidr(parseCidr(subnet.cidr).base, parseCidr(subnet.cidr).prefix)) {
      throw new Error(`pod subnet ${key} is declared as ${pool.text} and as ${subnet.cidr}`);
    }
    return pool;
  }
}
