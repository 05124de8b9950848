// Each fault mode as the real client sees it.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mutate, startSimulator, type SimCluster, type Simulator } from "../../src/sim/index.js";
import { NNC, clientsFor, listNncPages, rawGet, rejection, withTimeout } from "../helpers/sim-kube.js";

interface Page {
  metadata: { continue?: string };
  items: { metadata: { name: string } }[];
}

describe("faults", () => {
  let sim: Simulator;
  let c: SimCluster;

  beforeAll(async () => {
    sim = await startSimulator([
      { name: "f", mode: "vnetblock", nodes: 7 },
      { name: "d", mode: "dynamic", nodes: 3, problems: [{ kind: "crashLoopCns", node: 2 }] },
    ]);
    c = sim.cluster("f");
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    await c.clearFaults();
    await sim.cluster("d").clearFaults();
    c.clearRequests();
  });

  it("401 for every request", async () => {
    await c.setFaults([{ kind: "status", code: 401 }]);
    const e = await rejection(clientsFor(sim, "f").core.listNode());
    expect(e).toBeInstanceOf(k8s.ApiException);
    expect(e.code).toBe(401);
  });

  it("403 with the apiserver's Forbidden message", async () => {
    await c.setFaults([{ kind: "status", code: 403 }]);
    const e = await rejection(clientsFor(sim, "f").custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" }));
    expect(e.code).toBe(403);
    const body = JSON.parse(e.body as string);
    expect(body).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 });
    expect(body.message).toMatch(
      /^nodenetworkconfigs\.acn\.azure\.com is forbidden: User ".+" cannot list resource "nodenetworkconfigs" in API group "acn\.azure\.com" in the namespace "kube-system"$/,
    );
  });

  it("429 with Retry-After for the first N requests, then answers", async () => {
    await c.setFaults([{ kind: "throttle", retryAfter: 2, first: 2 }]);
    const { core } = clientsFor(sim, "f");
    for (let i = 0; i < 2; i++) {
      const e = await rejection(core.listNode());
      expect(e.code).toBe(429);
      expect(e.headers?.["retry-after"]).toBe("2");
      expect(JSON.parse(e.body as string)).toMatchObject({ reason: "TooManyRequests", details: { retryAfterSeconds: 2 } });
    }
    expect((await core.listNode()).items).toHaveLength(7);
    expect(c.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("flaky 500 on every Nth request, or on the first N", async () => {
    const { core } = clientsFor(sim, "f");
    const outcome = async (): Promise<number> => core.listNode().then(() => 200, (e: { code: number }) => e.code);
    await c.setFaults([{ kind: "flaky", every: 3 }]);
    const seq: number[] = [];
    for (let i = 0; i < 6; i++) seq.push(await outcome());
    expect(seq).toEqual([200, 200, 500, 200, 200, 500]);
    await c.setFaults([{ kind: "flaky", first: 2, code: 503 }]);
    const seq2: number[] = [];
    for (let i = 0; i < 3; i++) seq2.push(await outcome());
    expect(seq2).toEqual([503, 503, 200]);
  });

  it("scopes a fault to a path pattern", async () => {
    await c.setFaults([{ kind: "status", code: 500, path: /nodenetworkconfigs(\?|$)/ }]);
    const { core, custom } = clientsFor(sim, "f");
    expect((await core.listNode()).items).toHaveLength(7);
    expect((await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" }))).code).toBe(500);
    const one = sim.cluster("f").state.nncs.list()[0]!.metadata.name;
    await expect(custom.getNamespacedCustomObject({ ...NNC, namespace: "kube-system", name: one })).resolves.toBeTruthy();
  });

  it("410 Expired on a continue request, with a fresh token that finishes the list", async () => {
    await c.setFaults([{ kind: "expiredContinue" }]);
    const { custom } = clientsFor(sim, "f");
    const first = (await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 2 })) as Page;
    const e = await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 2, _continue: first.metadata.continue }));
    expect(e.code).toBe(410);
    const body = JSON.parse(e.body as string);
    expect(body).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
    expect(body.message).toMatch(/^The provided continue parameter is too old/);
    expect(body.metadata.continue).toBeTruthy();
    expect(body.metadata.continue).not.toBe(first.metadata.continue);
    const names = first.items.map((i) => i.metadata.name);
    let token: string | undefined = body.metadata.continue;
    while (token) {
      const p = (await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 2, _continue: token })) as Page;
      names.push(...p.items.map((i) => i.metadata.name));
      token = p.metadata.continue;
    }
    expect(names).toEqual(c.state.nncs.list().map((n) => n.metadata.name));
  });

  it("expires a continue token for real once the list changed too often", async () => {
    const { custom } = clientsFor(sim, "f");
    const first = (await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 3 })) as Page;
    const name = first.items[0]!.metadata.name;
    // Another page while it is still consistent works.
    await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 3, _continue: first.metadata.continue });
    for (let i = 0; i < 20; i++) {
      c.state.nncs.update(name, (d) => void (d.spec = { requestedIPCount: 250 + i }), "kube-system");
      c.state.nncs.snapshot();
    }
    const e = await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 3, _continue: first.metadata.continue }));
    expect(e.code).toBe(410);
    const fresh = JSON.parse(e.body as string).metadata.continue as string;
    const rest = (await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 10, _continue: fresh })) as Page;
    expect(rest.items.map((i) => i.metadata.name)).toEqual(c.state.nncs.list().slice(3).map((n) => n.metadata.name));
  });

  it("hangs until an AbortSignal timeout middleware gives up", async () => {
    await c.setFaults([{ kind: "hang" }]);
    const t0 = Date.now();
    const e = await rejection(clientsFor(sim, "f").core.listNode({}, withTimeout(300)));
    expect(e.name).toBe("AbortError");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(c.requests[0]).toMatchObject({ status: 0, fault: "hang" });
  });

  it("slows answers down", async () => {
    await c.setFaults([{ kind: "slow", delayMs: 250 }]);
    const { core } = clientsFor(sim, "f");
    const t0 = Date.now();
    await core.listNode();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect((await rejection(core.listNode({}, withTimeout(50)))).name).toBe("AbortError");
  });

  it("sends malformed JSON", async () => {
    await c.setFaults([{ kind: "malformed", path: "nodenetworkconfigs" }]);
    const e = await rejection(clientsFor(sim, "f").custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" }));
    expect(e).not.toBeInstanceOf(k8s.ApiException);
    expect(e.message).toMatch(/JSON/);
  });

  it("answers 200 with a body of its choice", async () => {
    await c.setFaults([{ kind: "body", body: "<html>proxy</html>", contentType: "text/html", path: "nodenetworkconfigs" }]);
    const res = await rawGet(sim, "f", "/apis/acn.azure.com/v1alpha/namespaces/kube-system/nodenetworkconfigs");
    expect([res.status, res.headers["content-type"], res.body]).toEqual([200, "text/html", "<html>proxy</html>"]);
    expect(c.requests[0]).toMatchObject({ status: 200, fault: "body" });
    expect((await rawGet(sim, "f", "/api/v1/nodes")).body).toMatch(/"kind":"NodeList"/);
  });

  it("truncates the body mid-way", async () => {
    await c.setFaults([{ kind: "truncated" }]);
    const e = await rejection(clientsFor(sim, "f").core.listNode());
    expect(e).not.toBeInstanceOf(k8s.ApiException);
    expect(e.message).toMatch(/Premature close/);
    expect(c.requests[0]).toMatchObject({ status: 200, fault: "truncated" });
    // node-fetch 2 never notices a short Content-Length body: only a timeout ends the call.
    await c.setFaults([{ kind: "truncated", mode: "content-length" }]);
    const hung = await rejection(clientsFor(sim, "f").core.listNode({}, withTimeout(300)));
    expect(hung.name).toBe("AbortError");
  });

  it("refuses connections, and listens on the same port again once lifted", async () => {
    const port = c.port;
    await c.setFaults([{ kind: "refuse" }]);
    const e = await rejection(clientsFor(sim, "f").core.listNode());
    expect(e.code).toBe("ECONNREFUSED");
    await c.clearFaults();
    expect(c.port).toBe(port);
    expect((await clientsFor(sim, "f").core.listNode()).items).toHaveLength(7);
  });

  it("hides the NNC API like a kubenet cluster", async () => {
    await c.setFaults([{ kind: "noNncApi" }]);
    const { custom, kc } = clientsFor(sim, "f");
    expect((await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" }))).code).toBe(404);
    expect((await rejection(custom.listClusterCustomObject({ ...NNC }))).code).toBe(404);
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).not.toContain("acn.azure.com");
    expect((await rawGet(sim, "f", "/apis/acn.azure.com")).status).toBe(404);
  });

  it("fails the pod proxy like an apiserver that cannot reach the pod", async () => {
    const d = sim.cluster("d");
    const { core } = clientsFor(sim, "d");
    const pods = d.state.pods.list("kube-system");
    const healthy = pods.find((p) => p.status?.containerStatuses?.[0]?.ready)!;
    const crashing = pods.find((p) => !p.status?.containerStatuses?.[0]?.ready)!;
    const scrape = (name: string): Promise<string> =>
      core.connectGetNamespacedPodProxyWithPath({ name: `${name}:10092`, namespace: "kube-system", path: "metrics" });
    await expect(scrape(healthy.metadata.name)).resolves.toContain("cx_ipam_requested_ips");
    const down = await rejection(scrape(crashing.metadata.name));
    expect(down.code).toBe(503);
    expect(JSON.parse(down.body as string).message).toMatch(/^error trying to reach service: dial tcp 10\.240\.0\.\d+:10092: connect: connection refused$/);
    await d.setFaults([{ kind: "proxyUnreachable" }]);
    const e = await rejection(scrape(healthy.metadata.name));
    expect(e.code).toBe(503);
    expect(JSON.parse(e.body as string)).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", code: 503 });
    expect((await core.listNode()).items).toHaveLength(3);
  });

  it("closes with hung requests in flight", async () => {
    const s = await startSimulator([{ name: "h", mode: "overlay", nodes: 1, faults: [{ kind: "hang" }] }]);
    const pending = clientsFor(s, "h").core.listNode();
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(pending).rejects.toBeTruthy();
  });

  it("a fault list change takes effect at once, even mid-list", async () => {
    const { custom } = clientsFor(sim, "f");
    const pages = listNncPages(custom, 2, "kube-system");
    await expect(pages).resolves.toHaveLength(4);
    mutate.setNcStatus(c.state, c.state.nncs.list()[0]!.metadata.name, "NCUpdateSubnetFullError");
    await c.setFaults([{ kind: "status", code: 500, path: "continue=" }]);
    const first = (await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 2 })) as Page & { items: { status: { networkContainers: { status?: string }[] } }[] };
    expect(first.items[0]?.status.networkContainers[0]?.status).toBe("NCUpdateSubnetFullError");
    expect((await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system", limit: 2, _continue: first.metadata.continue }))).code).toBe(500);
  });
});
