// Static-block (vnetblock) sizing, DOMAIN.md §2/§6: /28 blocks, one address of the node reserved.
import { AZURE_RESERVED_PER_SUBNET } from "./subnets.js";

/** Addresses in one static block (/28). */
export const BLOCK_SIZE = 16;

/** Blocks a node gets for `maxPods`: ceil((maxPods + 1) / 16), the +1 being the reserved NC primary. */
export function blocksPerNode(maxPods: number): number {
  if (!Number.isInteger(maxPods) || maxPods < 0) throw new RangeError(`maxPods must be a non-negative integer, got ${maxPods}`);
  return Math.ceil((maxPods + 1) / BLOCK_SIZE);
}

/** Pod-subnet addresses one static-block node holds: 16 × blocks. */
export function blockAddressesPerNode(maxPods: number): number {
  return BLOCK_SIZE * blocksPerNode(maxPods);
}

/**
 * Whole /28 blocks a VNet subnet with `capacity` usable addresses (size − 5) can hand out: not the
 * first (it holds Azure's four reserved addresses) nor the last (the broadcast address). So a full /24
 * static-block subnet holds 14 blocks, 224 of its 251 usable addresses (the seed fleet's 10.40.0.0/28
 * is indeed never assigned).
 */
export function assignableBlocks(capacity: number): number {
  const size = capacity + AZURE_RESERVED_PER_SUBNET;
  return size < 2 * BLOCK_SIZE ? 0 : Math.floor(size / BLOCK_SIZE) - 2;
}

/** Addresses a node's blocks hold beyond its pods and the reserved primary (0 when maxPods = 16N − 1). */
export function wastedPerNode(maxPods: number): number {
  return blockAddressesPerNode(maxPods) - maxPods - 1;
}
