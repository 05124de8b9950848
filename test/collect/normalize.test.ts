import { describe, expect, it } from "vitest";
import { normalizeNnc } from "../../src/collect/normalize/nnc.js";
import type { V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import { classify } from "../../src/collect/errors.js";
import { parseListPage } from "../../src/collect/normalize/lists.js";
import { normalizeCnsConfig, normalizeCnsPod, normalizeDaemonSet, normalizeNode } from "../../src/collect/normalize/workloads.js";
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

describe("Nodes and CNS pods off the wire", () => {
  const node = (status: unknown, extra: object = {}) => ({ metadata: { name: "aks-np-0", uid: "u" }, status, ...extra }) as unknown as V1Node;
  const pod = (status: unknown, spec: unknown = { nodeName: "aks-np-0" }) => ({ metadata: { name: "azure-cns-x" }, spec, status }) as unknown as V1Pod;

  it("reads a well-formed node and pod", () => {
    expect(normalizeNode(node({ conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }], addresses: [{ type: "InternalIP", address: "10.240.0.4" }] }))).toMatchObject({ ready: true, internalIP: "10.240.0.4" });
    expect(
      normalizeCnsPod(
        pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "cns-container", restartCount: 2, image: "mcr/cns:v1", state: { waiting: { reason: "CrashLoopBackOff" } } }] }),
      ),
    ).toMatchObject({ phase: "Running", ready: true, restarts: 2, image: "mcr/cns:v1", reason: "CrashLoopBackOff", node: "aks-np-0" });
  });

  it.each([
    ["conditions an object", { conditions: { Ready: "True" } }],
    ["conditions a string", { conditions: "Ready" }],
    ["conditions with null entries", { conditions: [null, 3, { type: "Ready", status: "True" }] }],
    ["addresses an object", { addresses: { InternalIP: "10.0.0.1" } }],
    ["status a string", "Ready"],
  ])("keeps a node whose %s instead of throwing", (_, status) => {
    const n = normalizeNode(node(status))!;
    expect(n.name).toBe("aks-np-0");
    expect(n.internalIP).toBeUndefined();
  });

  it("takes only a Ready=True condition found in a list as ready", () => {
    expect(normalizeNode(node({ conditions: { Ready: "True" } }))!.ready).toBe(false);
    expect(normalizeNode(node({ conditions: [null, { type: "Ready", status: "True" }] }))!.ready).toBe(true);
  });

  it("does not name a node from a name that is not a string", () => {
    expect(normalizeNode({ metadata: { name: 42 } } as unknown as V1Node)).toBeUndefined();
    expect(normalizeNode(null as unknown as V1Node)).toBeUndefined();
  });

  it("reads why an init container cannot finish, as kubectl shows it: waiting or terminated without success", () => {
    const main = { name: "cns-container", restartCount: 0, state: { waiting: { reason: "PodInitializing" } } };
    const init = (...states: object[]) => normalizeCnsPod(pod({ phase: "Pending", containerStatuses: [main], initContainerStatuses: states.map((state, i) => ({ name: `init-${i}`, state })) }))!.initReason;
    expect(init({ terminated: { reason: "Error", exitCode: 1 } })).toBe("Init:Error");
    expect(init({ waiting: { reason: "CrashLoopBackOff" } })).toBe("Init:CrashLoopBackOff");
    expect(init({ waiting: { reason: "CreateContainerConfigError" } })).toBe("Init:CreateContainerConfigError");
    expect(init({ terminated: { reason: "Completed", exitCode: 0 } }, { terminated: { exitCode: 2 } })).toBe("Init:ExitCode:2");
    // Done, running, or just starting: nothing to say.
    expect(init({ terminated: { reason: "Completed", exitCode: 0 } })).toBeUndefined();
    expect(init({ running: {} }, { waiting: { reason: "CrashLoopBackOff" } })).toBeUndefined();
    expect(init({ waiting: { reason: "PodInitializing" } })).toBeUndefined();
  });

  it("keeps a CNS pod whose container statuses, conditions and spec are garbage", () => {
    const p = normalizeCnsPod(pod({ phase: 7, conditions: 42, containerStatuses: "broken", initContainerStatuses: [null, { state: "x" }] }, { containers: {}, nodeName: ["n"] }))!;
    expect(p).toEqual({ name: "azure-cns-x", phase: "Unknown", ready: false, restarts: 0 });
    const q = normalizeCnsPod(pod({ containerStatuses: [{ name: "cns-container", restartCount: "many", image: 5, state: { waiting: "CrashLoopBackOff" } }] }))!;
    expect(q.restarts).toBe(0);
    expect(q.image).toBeUndefined();
    expect(q.reason).toBeUndefined();
  });
});

describe("parseListPage", () => {
  const page = (v: unknown) => Buffer.from(JSON.stringify(v));

  it("names an answer that is valid JSON but no list", () => {
    expect(() => parseListPage(page(null), "node")).toThrow("the list answer is null, not a Kubernetes list");
    expect(() => parseListPage(page([1]), "node")).toThrow("the list answer is an array, not a Kubernetes list");
    expect(() => parseListPage(page(42), "node")).toThrow("the list answer is a number, not a Kubernetes list");
    expect(() => parseListPage(page({ items: { a: 1 } }), "node")).toThrow("the list answer's items is an object, not a list");
  });

  it("takes an object without items for no list, not an empty one: a proxy's {} or a root document", () => {
    const none = (() => {
      try {
        parseListPage(page({}), "node");
      } catch (e) {
        return e;
      }
    })();
    expect(classify(none, "listing Nodes")).toMatchObject({ status: "error", message: "listing Nodes: the list answer is an object with no items (and no kind), not a list" });
    expect(() => parseListPage(page({ paths: ["/api"] }), "node")).toThrow(/no items \(and no kind\)/);
    expect(() => parseListPage(page({ kind: "APIGroupList", groups: [] }), "node")).toThrow("the list answer is an object with no items (kind APIGroupList), not a list");
    // What a kind says is named only when it looks like one: never body text.
    expect(() => parseListPage(page({ kind: "Bearer eyJabc.def" }), "node")).toThrow(/no items \(and no kind\)/);
    // Every Kubernetes list has the key; an empty one may hold null (a Go nil slice).
    expect(parseListPage(page({ kind: "NodeList", items: null }), "node").items).toBeUndefined();
    expect(parseListPage(page({ kind: "NodeList", items: [] }), "node").items).toEqual([]);
  });

  it("ignores a continue token that is not a string", () => {
    expect(parseListPage(page({ items: [], metadata: { continue: { x: 1 } } }), "node").metadata).toEqual({});
    expect(parseListPage(page({ items: [], metadata: { continue: "abc" } }), "node").metadata).toEqual({ continue: "abc" });
  });
});
