// kubectl (discovery, server-side Tables, chunked lists) against the simulator.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";

const KUBECTL = "/usr/bin/kubectl";
const ODD = "a/b#c?d'e<f> ü";

describe.skipIf(!existsSync(KUBECTL))("kubectl against the simulator", () => {
  let sim: Simulator;
  let dir: string;
  let kubeconfig: string;

  /** Runs kubectl asynchronously: the simulator answers from this same event loop. */
  function kubectl(context: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return new Promise((resolve) => {
      execFile(
        KUBECTL,
        ["--kubeconfig", kubeconfig, "--context", context, "--cache-dir", path.join(dir, "cache"), ...args],
        { env: { PATH: process.env["PATH"] ?? "", HOME: dir }, timeout: 20_000 },
        (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
    });
  }

  const rows = (out: string): string[][] => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));

  /** Rows keyed by header, cut at the header's column offsets (blank cells stay blank). */
  const records = (out: string): Record<string, string>[] => {
    const [head = "", ...lines] = out.replace(/\n$/, "").split("\n");
    const cols = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
    return lines.map((l) =>
      Object.fromEntries(cols.map((c, i) => [c.name, l.slice(c.at, cols[i + 1]?.at ?? l.length).trim()])),
    );
  };

  beforeAll(async () => {
    sim = await startSimulator([
      { name: "blk", mode: "vnetblock", nodes: 5 },
      { name: "dyn", mode: "dynamic", nodes: 3, problems: [{ kind: "crashLoopCns", node: 1, restarts: 4 }] },
      { name: ODD, mode: "overlay", nodes: 2 },
      { name: "knet", mode: "kubenet", nodes: 1 },
      { name: "win", mode: "overlay", nodes: 2, windows: { nodes: 2 }, problems: [{ kind: "crashLoopCns", node: 1, windows: true, restarts: 3 }] },
    ]);
    dir = await mkdtemp(path.join(tmpdir(), "sim-kubectl-"));
    kubeconfig = await sim.writeKubeconfig(dir);
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes a 0600 kubeconfig", async () => {
    expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600);
  });

  it("get nnc --chunk-size=2 -o json returns every NNC", async () => {
    const c = sim.cluster("blk");
    c.clearRequests();
    const r = await kubectl("blk", "get", "nnc", "-n", "kube-system", "--chunk-size=2", "-o", "json");
    expect(r.stderr).toBe("");
    const list = JSON.parse(r.stdout) as { items: { metadata: { name: string } }[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(c.state.nncs.list().map((n) => n.metadata.name));
    const nncGets = c.requests.filter((q) => q.path.includes("/nodenetworkconfigs"));
    expect(nncGets.filter((q) => q.path.includes("limit=2"))).toHaveLength(3);
    expect(nncGets.filter((q) => q.path.includes("continue="))).toHaveLength(2);
  });

  it("prints the CRD's printer columns by default and with -o wide", async () => {
    const def = await kubectl("blk", "get", "nnc", "-n", "kube-system", "--chunk-size=2");
    expect(def.code).toBe(0);
    const t = rows(def.stdout);
    expect(t[0]).toEqual(["NAME", "ALLOCATED IPS", "NC MODE", "NC VERSION"]);
    expect(t.slice(1)).toHaveLength(5);
    for (const row of t.slice(1)) expect(row.slice(1)).toEqual(["255", "static", "0"]);

    const wide = await kubectl("blk", "get", "nnc", "-n", "kube-system", "-o", "wide");
    const w = rows(wide.stdout);
    expect(w[0]).toEqual([
      "NAME",
      "REQUESTED IPS",
      "AVAILABILITY ZONE",
      "ALLOCATED IPS",
      "SUBNET",
      "SUBNET CIDR",
      "SUBNET CIDR V6",
      "NC ID",
      "NC MODE",
      "NC TYPE",
      "NC VERSION",
    ]);
    // The apiserver sends null cells for absent fields; kubectl prints them blank.
    expect(records(wide.stdout)[0]).toMatchObject({
      "REQUESTED IPS": "250",
      "AVAILABILITY ZONE": "",
      "ALLOCATED IPS": "255",
      SUBNET: "podsubnet",
      "SUBNET CIDR": "10.40.0.0/13",
      "SUBNET CIDR V6": "",
      "NC MODE": "static",
      "NC TYPE": "vnetblock",
      "NC VERSION": "0",
    });
    expect(records(wide.stdout)[0]?.["NC ID"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("get pods -l k8s-app=azure-cns shows the crash loop", async () => {
    const r = await kubectl("dyn", "get", "pods", "-n", "kube-system", "-l", "k8s-app=azure-cns");
    expect(r.code).toBe(0);
    const t = rows(r.stdout);
    expect(t[0]).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(t.slice(1)).toHaveLength(3);
    expect(t.slice(1).map((row) => row[2]).sort()).toEqual(["CrashLoopBackOff", "Running", "Running"]);
    const crash = t.find((row) => row[2] === "CrashLoopBackOff")!;
    expect(crash[1]).toBe("0/1");
    expect(crash[3]).toMatch(/^4 \(\d+s ago\)$/);
  });

  it("get pods -l 'k8s-app in (azure-cns,azure-cns-win)' lists both DaemonSets' pods, and get ds both DaemonSets", async () => {
    const r = await kubectl("win", "get", "pods", "-n", "kube-system", "-l", "k8s-app in (azure-cns,azure-cns-win)", "-o", "wide");
    expect(r.code, r.stderr).toBe(0);
    const pods = records(r.stdout);
    expect(pods).toHaveLength(4);
    expect(pods.filter((p) => p.NAME!.startsWith("azure-cns-win-")).map((p) => [p.NODE, p.STATUS])).toEqual(
      expect.arrayContaining([["aksnpwin000000", "Running"], ["aksnpwin000001", "CrashLoopBackOff"]]),
    );
    const ds = rows((await kubectl("win", "get", "ds", "-n", "kube-system")).stdout);
    expect(ds.slice(1).map((row) => row.slice(0, 6))).toEqual([["azure-cns", "2", "2", "2", "2", "2"], ["azure-cns-win", "2", "2", "1", "2", "1"]]);
    const nodes = rows((await kubectl("win", "get", "nodes", "-l", "kubernetes.io/os=windows")).stdout);
    expect(nodes.slice(1).map((row) => row[0])).toEqual(["aksnpwin000000", "aksnpwin000001"]);
  });

  it("get events and describe show the crash loop's BackOff event; a quiet cluster has none", async () => {
    const ev = await kubectl("dyn", "get", "events", "-n", "kube-system");
    expect(ev.code, ev.stderr).toBe(0);
    const t = records(ev.stdout);
    expect(Object.keys(t[0]!)).toEqual(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(t).toEqual([expect.objectContaining({ TYPE: "Warning", REASON: "BackOff", OBJECT: expect.stringMatching(/^pod\/azure-cns-/), MESSAGE: expect.stringMatching(/^Back-off restarting failed container cns-container/) })]);
    const pod = t[0]!.OBJECT!.slice("pod/".length);
    const d = await kubectl("dyn", "describe", "pod", "-n", "kube-system", pod);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/Events:\s+Type\s+Reason\s+Age\s+From\s+Message[\s\S]*Warning\s+BackOff\s+.*kubelet\s+Back-off restarting failed container/);
    const quiet = await kubectl("blk", "get", "ev", "-A");
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr + quiet.stdout).toMatch(/No resources found/);
  });

  it("auth can-i answers yes for the collector's reads, and no where a 403 fault forbids them", async () => {
    const nnc = await kubectl("blk", "auth", "can-i", "list", "nodenetworkconfigs", "-n", "kube-system");
    expect(nnc.stdout.trim()).toBe("yes");
    expect(nnc.code).toBe(0);
    const c = sim.cluster("blk");
    await c.setFaults([{ kind: "status", code: 403, path: "/proxy" }]);
    try {
      const proxy = await kubectl("blk", "auth", "can-i", "get", "pods/proxy", "-n", "kube-system");
      expect(proxy.stdout.trim()).toBe("no");
      expect(proxy.code).toBe(1);
      expect((await kubectl("blk", "auth", "can-i", "list", "nodes")).stdout.trim()).toBe("yes");
    } finally {
      await c.setFaults([]);
    }
  });

  it("cluster-info finds the control plane and CoreDNS (kube-system services labelled cluster-service)", async () => {
    const r = await kubectl("blk", "cluster-info");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Kubernetes control plane.* is running at .*https:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/CoreDNS.* is running at .*\/api\/v1\/namespaces\/kube-system\/services\/kube-dns:dns\/proxy/);
    const svc = rows((await kubectl("blk", "get", "svc", "-A")).stdout);
    expect(svc.map((row) => row.slice(0, 4))).toEqual([["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP"], ["default", "kubernetes", "ClusterIP", "10.0.0.1"], ["kube-system", "kube-dns", "ClusterIP", "10.0.0.10"]]);
  });

  it("get ds azure-cns -o json", async () => {
    const r = await kubectl("dyn", "get", "ds", "azure-cns", "-n", "kube-system", "-o", "json");
    const ds = JSON.parse(r.stdout) as { kind: string; status: Record<string, number> };
    expect(ds.kind).toBe("DaemonSet");
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, numberUnavailable: 1 });
    const table = rows((await kubectl("dyn", "get", "ds", "-n", "kube-system")).stdout);
    expect(table[0]).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
    expect(table[1]?.slice(0, 6)).toEqual(["azure-cns", "3", "3", "2", "3", "2"]);
  });

  it("reaches a cluster with an awkward name by its context", async () => {
    const r = await kubectl(ODD, "get", "nodes", "-o", "wide");
    expect(r.code).toBe(0);
    const t = rows(r.stdout);
    expect(t[0]?.slice(0, 6)).toEqual(["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"]);
    expect(t.slice(1).map((row) => row[5])).toEqual(["10.240.0.4", "10.240.0.5"]);
    expect(t[1]?.[1]).toBe("Ready");
  });

  it("explain nnc prints the CRD's description and its fields from the OpenAPI v3 document", async () => {
    const c = sim.cluster("blk");
    c.clearRequests();
    const r = await kubectl("blk", "explain", "nnc");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/GROUP:\s+acn\.azure\.com\nKIND:\s+NodeNetworkConfig\nVERSION:\s+v1alpha/);
    expect(r.stdout).toMatch(/DESCRIPTION:\n\s+NodeNetworkConfig is the Schema for the nodenetworkconfigs API/);
    expect(r.stdout).toMatch(/^\s+metadata\t<ObjectMeta>$/m);
    expect(r.stdout).toMatch(/^\s+spec\t<Object>\n\s+NodeNetworkConfigSpec defines the desired state of NetworkConfig/m);
    expect(r.stdout).toMatch(/^\s+status\t<Object>\n\s+NodeNetworkConfigStatus defines the observed state of NetworkConfig/m);
    expect(c.requests.map((q) => q.path.split("?")[0])).toContain("/openapi/v3/apis/acn.azure.com/v1alpha");

    const spec = await kubectl("blk", "explain", "nodenetworkconfigs.spec");
    expect(spec.stdout).toMatch(/^\s+requestedIPCount\t<integer>$/m);
    expect(spec.stdout).toMatch(/^\s+availabilityZone\t<integer>\n\s+AvailabilityZone contains the Azure availability zone/m);
    const nodes = await kubectl("blk", "explain", "nodes");
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/KIND:\s+Node\nVERSION:\s+v1/);
    expect(nodes.stdout).toMatch(/^\s+spec\t<NodeSpec>$/m);
  });

  it("explain nnc.status.networkContainers prints the NC's nested fields, enums included", async () => {
    const r = await kubectl("blk", "explain", "nnc.status.networkContainers");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/FIELD: networkContainers <\[\]Object>/);
    expect(r.stdout).toMatch(/NetworkContainer defines the structure of a Network Container/);
    expect(r.stdout).toMatch(/^\s+assignmentMode\t<string>\n\s+enum: dynamic, static\n\s+AssignmentMode is whether we are allocated an entire block or IP by IP\./m);
    for (const f of ["id", "primaryIP", "subnetAddressSpace", "subcriptionID", "nodeIP"]) expect(r.stdout).toMatch(new RegExp(`^\\s+${f}\\t<string>$`, "m"));
    expect(r.stdout).toMatch(/^\s+ipAssignments\t<\[\]Object>$/m);
    expect(r.stdout).toMatch(/^\s+version\t<integer>$/m);
    const deeper = await kubectl("blk", "explain", "nnc.status.networkContainers.ipAssignments");
    expect(deeper.stdout).toMatch(/IPAssignment groups an IP address and Name/);
    expect(deeper.stdout).toMatch(/^\s+ip\t<string>$/m);
  });

  it("explain --output plaintext-openapiv2 reads the protobuf v2 document", async () => {
    const r = await kubectl("blk", "explain", "nnc.status", "--output", "plaintext-openapiv2");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/KIND:\s+NodeNetworkConfig\nVERSION:\s+acn\.azure\.com\/v1alpha/);
    expect(r.stdout).toMatch(/NodeNetworkConfigStatus defines the observed state of NetworkConfig/);
    expect(r.stdout).toMatch(/^\s+networkContainers\t<\[\]Object>$/m);
  });

  it("explain on kubenet knows no nnc, but still explains nodes", async () => {
    const nnc = await kubectl("knet", "explain", "nnc");
    expect(nnc.code).not.toBe(0);
    expect(nnc.stderr).toMatch(/doesn't have a resource type "nnc"/);
    expect((await kubectl("knet", "explain", "nodes.spec")).stdout).toMatch(/^\s+podCIDR\t<string>$/m);
  });

  it("has no nnc resource type on kubenet", async () => {
    const r = await kubectl("knet", "get", "nnc", "-A");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the server doesn't have a resource type "nnc"`);
  });
});
