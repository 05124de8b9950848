// When discovery lists nothing at all, the clusters the store knows from ARM are scanned as that failure
// (each with its own subscription's problem where the error names one), never left passing for current.
import { describe, expect, it } from "vitest";
import { DiscoveryError } from "../../src/sources/discover.js";
import { undiscoveredClusters } from "../../src/sources/unlisted.js";
import type { LatestEntry } from "../../src/store/store.js";
import { SUB_A, SUB_B, SUB_C } from "../azure/env.js";

const id = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`;
const known = (cluster: string, armId?: string) => ({ cluster, latest: {}, ...(armId ? { lastOk: { armId } } : {}) }) as LatestEntry;

describe("undiscoveredClusters", () => {
  it("fails every known ARM cluster: with its subscription's problem, else with the error that stopped listing every subscription", () => {
    const latest = [known("a", id(SUB_A, "a")), known("b", id(SUB_B, "b")), known("from-kubeconfig")];
    const armDown = new DiscoveryError([{ source: "ARM https://management.azure.com", message: "listing the subscriptions the identity can read: ECONNREFUSED", everySubscription: true }]);
    expect(undiscoveredClusters(latest, armDown)).toEqual([
      { name: "a", id: id(SUB_A, "a"), reason: `not scanned: its subscription ${SUB_A} could not be listed (ARM https://management.azure.com: listing the subscriptions the identity can read: ECONNREFUSED)` },
      { name: "b", id: id(SUB_B, "b"), reason: `not scanned: its subscription ${SUB_B} could not be listed (ARM https://management.azure.com: listing the subscriptions the identity can read: ECONNREFUSED)` },
    ]);
    const refused = new DiscoveryError([{ source: `subscription ${SUB_B}`, message: "listing AKS clusters: 403 AuthorizationFailed", subscription: SUB_B }]);
    expect(undiscoveredClusters(latest, refused).find((u) => u.name === "b")?.reason).toBe(`not scanned: its subscription ${SUB_B} could not be listed (listing AKS clusters: 403 AuthorizationFailed)`);
  });

  it("fails only the known clusters of the subscriptions the scan asked for, not those of one it no longer lists", () => {
    const latest = [known("a", id(SUB_A, "a")), known("b", id(SUB_B, "b"))];
    const refused = new DiscoveryError([{ source: `subscription ${SUB_A}`, message: "listing AKS clusters: 403 AuthorizationFailed", subscription: SUB_A }]);
    expect(undiscoveredClusters(latest, refused).map((u) => u.name)).toEqual(["a"]);
    const other = new DiscoveryError([{ source: `subscription ${SUB_C}`, message: "listing AKS clusters: 403 AuthorizationFailed", subscription: SUB_C }]);
    expect(() => undiscoveredClusters(latest, other)).toThrow(other);
  });

  it("throws the discovery error when the store knows no ARM cluster: nothing to scan as failed", () => {
    const armDown = new DiscoveryError([{ source: "ARM https://management.azure.com", message: "ECONNREFUSED", everySubscription: true }]);
    expect(() => undiscoveredClusters([known("from-kubeconfig")], armDown)).toThrow(armDown);
    expect(() => undiscoveredClusters(undefined, armDown)).toThrow(armDown);
  });
});
