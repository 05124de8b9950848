import { describe, expect, it } from "vitest";
import { normalizeNnc } from "../../src/collect/normalize/nnc.js";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { normalizeCnsConfig, normalizeDaemonSet } from "../../src/collect/normalize/workloads.js";
import { seedNnc } from "../fixtures/seed.js";

describe("normalizeNnc", () => {
  it("keeps every field of the production seed NNC", () => {
    const n = normalizeNnc(seedNnc())!;
    expect(n.name).toBe("aks-nodepool1-36149301-vmss000000");
    expect(n.owner).toEqual({ kind: "Node", name: "aks-nodepool1-36149301-vmss000000", uid: "e9fe832a-a94b-44b4-a775-0d1b1ce521a5" });
    expect(n.requestedIPCount).toBe(250);
    expect(n.assignedIPCount).toBe(255);
    expect(n.scaler).toBeUndefined();
    expect(n.problems).toBeUndefined();
    expect(n.labels["kubernetes.azure.com/podnetwork-type"]).toBe("vnetblock");
    const nc = n.networkContainers[0]!;
    expect(nc).toMatchObject({
      id: "68eb969e-c8a9-4f82-a0c6-9b3ec8f9b276",
      type: "vnetblock",
      assignmentMode: "static",
      primaryIP: "10.40.0.160/28",
      nodeIP: "10.240.0.4",
      subnetAddressSpace: "10.40.0.0/13",
      subscriptionID: "efec8e52-e1ad-4ae1-8598-f243e56e2b08",
      resourceGroupID: "rg",
      vnetID: "vnet",
      subnetName: "podsubnet",
    });
    expect(nc.ipAssignments).toHaveLength(15);
    expect(nc.ipAssignments).toContain("10.47.255.112/28");
  });

  it("records garbage fields as problems instead of throwing", () => {
    const raw = seedNnc();
    raw.spec.requestedIPCount = "lots";
    raw.status.assignedIPCount = -3;
    raw.status.networkContainers.push("not an object");
    raw.status.networkContainers[0].ipAssignments.push({ name: "x" });
    const n = normalizeNnc(raw)!;
    expect(n.requestedIPCount).toBe(0);
    expect(n.assignedIPCount).toBe(0);
    expect(n.networkContainers).toHaveLength(1);
    expect(n.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("spec.requestedIPCount"),
        expect.stringContaining("status.assignedIPCount"),
        expect.stringContaining("networkContainers[1] is not an object"),
        expect.stringContaining("ipAssignments[15] has no ip"),
      ]),
    );
  });

  it("returns undefined only for items it cannot name", () => {
    expect(normalizeNnc(null)).toBeUndefined();
    expect(normalizeNnc({ metadata: {} })).toBeUndefined();
    expect(normalizeNnc({ metadata: { name: "n" } })?.networkContainers).toEqual([]);
  });
});

describe("normalizeCnsConfig", () => {
  it("keeps watched keys only (no telemetry keys)", () => {
    const { config } = normalizeCnsConfig({
      data: { "cns_config.json": JSON.stringify({ ChannelMode: "CRD", EnableIPAMv2: false, TelemetrySettings: { AppInsightsInstrumentationKey: "secret" } }) },
    });
    expect(config).toEqual({ ChannelMode: "CRD", EnableIPAMv2: false });
  });
  it("notes a config that is not JSON", () => {
    const r = normalizeCnsConfig({ data: { "cns_config.json": "{nope" } });
    expect(r.config).toBeNull();
    expect(r.note).toMatch(/not valid JSON/);
  });
});

describe("normalizeDaemonSet", () => {
  it("reads the CNS container's image first", () => {
    const ds = normalizeDaemonSet({
      metadata: { name: "azure-cns", generation: 3 },
      spec: { selector: {}, template: { spec: { containers: [{ name: "sidecar", image: "side:1" }, { name: "cns-container", image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.18" }] } } },
      status: { desiredNumberScheduled: 4, currentNumberScheduled: 4, numberReady: 3, numberMisscheduled: 0, observedGeneration: 2 },
    });
    expect(ds).toMatchObject({ desired: 4, ready: 3, generation: 3, observedGeneration: 2, images: ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.18", "side:1"] });
  });
  it("takes a garbage container list (the DaemonSet is read as plain JSON) as no images instead of throwing", () => {
    const garbage = { metadata: { name: "azure-cns" }, spec: { template: { spec: { containers: { name: "cns-container" } } } } } as unknown as V1DaemonSet;
    expect(normalizeDaemonSet(garbage).images).toEqual([]);
  });
});
