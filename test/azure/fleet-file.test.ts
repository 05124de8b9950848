// Fleet files: each kind of entry (kubeconfig file, Key Vault secret through the real
// @azure/keyvault-secrets, AKS resource ID through ARM) scanned by the real collector, and each kind
// of bad file refused with the file and the entry named.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { keyVaultReader } from "../../src/alerts/config.js";
import { collectCluster } from "../../src/collect/collector.js";
import { discoverFleet, discoverRefs, type DiscoveryProblem } from "../../src/sources/discover.js";
import { loadFleetFile } from "../../src/sources/fleet-file.js";
import { warningsDuring } from "../helpers/process-warnings.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
let kubeconfig: string;
let garbage: string;
let dangling: string;
const SCAN = { scanId: "20261201T000000000Z-fleet", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 };

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A }],
    clusters: [
      { name: "kc-1", mode: "vnetblock", nodes: 1 },
      { name: "kv-aad", mode: "overlay", nodes: 1, azure: { aad: true } },
      { name: "arm-1", mode: "dynamic", nodes: 1, azure: { autoscale: { min: 1, max: 5 } } },
    ],
  });
  kubeconfig = await fx.az.fleet.writeKubeconfig(fx.dir, { clusters: ["kc-1"] });
  garbage = write("garbage.kubeconfig", "apiVersion: v1\nclusters: [\n  token: GARBAGESECRET\n");
  // What `kubectl config delete-cluster kc-1` leaves behind.
  dangling = write("dangling.kubeconfig", readFileSync(kubeconfig, "utf8").replace(/^clusters:\n(?:[ -].*\n)+/m, "clusters: []\n"));
  // What an operator would store: the exec kubeconfig AKS hands out for an AAD cluster.
  const mc = fx.az.managedCluster("kv-aad");
  fx.az.setSecret("kv-aad-kubeconfig", mc.userKubeconfig(fx.az.caPem, "exec"));
  fx.az.setSecret("teams-webhook", "https://prod-00.westeurope.logic.azure.com/workflows/abc?sig=s3cr3t");
});

afterAll(async () => {
  await fx?.close();
});

function write(name: string, text: string): string {
  const file = path.join(fx.dir, name);
  writeFileSync(file, text);
  return file;
}

describe("fleet file", () => {
  it("scans kubeconfig, Key Vault and ARM entries", async () => {
    const file = write(
      "fleet.yaml",
      `clusters:
  - name: prod-weu
    kubeconfig: ${path.basename(kubeconfig)}
    context: kc-1
  - name: prod-aad
    keyVaultSecret: ${fx.az.url}/secrets/kv-aad-kubeconfig
  - name: prod-arm
    armResourceId: ${fx.az.managedCluster("arm-1").id}
`,
    );
    const refs = await discoverRefs({ ...fx.settings, fleetFile: file });
    expect(refs).toEqual([
      { kind: "fleet", name: "prod-weu", fleetFile: file },
      { kind: "fleet", name: "prod-aad", fleetFile: file },
      { kind: "fleet", name: "prod-arm", fleetFile: file },
    ]);
    const targets = await discoverFleet({ ...fx.settings, fleetFile: file });
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, SCAN)));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["prod-weu", "ok", undefined],
      ["prod-aad", "ok", undefined],
      ["prod-arm", "ok", undefined],
    ]);
    expect(snaps[0]!.source).toMatchObject({ kind: "fleet", context: "kc-1" });
    expect(snaps[2]!.arm).toMatchObject({ name: "arm-1", pools: [expect.objectContaining({ maxCount: 5, podIPAllocationMode: "DynamicIndividual" })] });
  });

  it("scans a cluster that is both a fleet-file entry and in a listed subscription once, under the entry's name", async () => {
    const id = fx.az.managedCluster("arm-1").id;
    // ARM ids compare case-insensitively: the entry's own spelling must still match the listing's.
    const file = write("fleet-and-sub.yaml", `clusters:\n  - name: prod-arm\n    armResourceId: ${id.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/")}\n`);
    const problems: DiscoveryProblem[] = [];
    const refs = await discoverRefs({ ...fx.settings, fleetFile: file, subscriptions: [SUB_A] }, { onProblem: (p) => problems.push(p) });
    expect(refs.filter((r) => r.name === "prod-arm" || (r.kind === "arm" && r.id.toLowerCase() === id.toLowerCase())).map((r) => r.name)).toEqual(["prod-arm"]);
    expect(refs.map((r) => r.name)).toContain("kv-aad"); // the subscription's other clusters are still listed
    expect(problems).toEqual([{ source: `subscription ${SUB_A}`, message: expect.stringMatching(/AKS cluster arm-1 is fleet file entry "prod-arm" .*scanned once, as prod-arm$/) }]);
  });

  it("reads JSON too", () => {
    const file = write("fleet.json", JSON.stringify({ clusters: [{ name: "a", armResourceId: fx.az.managedCluster("arm-1").id, adminCredentials: true }] }));
    expect(loadFleetFile(file)).toEqual([{ name: "a", kind: "arm", id: fx.az.managedCluster("arm-1").id, adminCredentials: true }]);
  });

  it("a missing Key Vault secret or ARM cluster fails that entry only, naming it", async () => {
    const file = write(
      "partly-bad.yaml",
      `clusters:
  - name: gone-secret
    keyVaultSecret: ${fx.az.url}/secrets/nope
  - name: gone-cluster
    armResourceId: /subscriptions/${SUB_A}/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/ghost
  - name: fine
    kubeconfig: ${kubeconfig}
`,
    );
    const snaps = await Promise.all((await discoverFleet({ ...fx.settings, fleetFile: file })).map((t) => collectCluster(t, SCAN)));
    expect(snaps[0]).toMatchObject({ cluster: "gone-secret", status: "error" });
    expect(snaps[0]!.reason).toBe(`reading the kubeconfig: Key Vault secret nope in ${fx.az.url}: 404 SecretNotFound`);
    expect(snaps[1]).toMatchObject({ cluster: "gone-cluster", status: "error" });
    expect(snaps[1]!.reason).toMatch(/^reading \/subscriptions\/.*\/ghost from ARM: 404 ResourceNotFound: The Resource 'Microsoft.ContainerService\/managedClusters\/ghost'/);
    expect(snaps[2]).toMatchObject({ cluster: "fine", status: "ok" });
  });

  it("a Key Vault secret that holds no kubeconfig fails that entry with a worded reason, never a JavaScript error", async () => {
    fx.az.setSecret("kv-empty", "");
    fx.az.setSecret("kv-list", "- a\n- b\n");
    fx.az.setSecret("kv-no-contexts", "clusters: []\nusers: []\ncontexts: []\n");
    fx.az.setSecret("kv-not-yaml", "clusters: [\n");
    const file = write("odd-secrets.yaml", ["kv-empty", "kv-list", "kv-no-contexts", "kv-not-yaml"].map((n) => `  - name: ${n}\n    keyVaultSecret: ${fx.az.url}/secrets/${n}\n`).join("").replace(/^/, "clusters:\n"));
    const snaps = await Promise.all((await discoverFleet({ ...fx.settings, fleetFile: file })).map((t) => collectCluster(t, SCAN)));
    const secret = (n: string) => `the kubeconfig in Key Vault secret ${fx.az.url}/secrets/${n}`;
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      // The vault answered: an empty secret is a setup mistake, not an unreachable vault.
      ["kv-empty", "error", `reading the kubeconfig: Key Vault secret kv-empty in ${fx.az.url} has no value`],
      ["kv-list", "error", `${secret("kv-list")} is not a kubeconfig: it holds a list, not a mapping with clusters, users and contexts`],
      ["kv-no-contexts", "error", `${secret("kv-no-contexts")} has no contexts`],
      ["kv-not-yaml", "error", `${secret("kv-not-yaml")} is not YAML (line 2)`],
    ]);
  });

  it("a Key Vault kubeconfig's context naming an undefined cluster or user fails naming it; one with no user is still verified against its CA", async () => {
    const kc = YAML.parse(fx.az.managedCluster("arm-1").userKubeconfig(fx.az.caPem, "exec")) as { clusters: Array<{ name: string }>; users: Array<{ name: string }> };
    const only = (context: Record<string, string>) => YAML.stringify({ ...kc, contexts: [{ name: "x", context }], "current-context": "x" });
    fx.az.setSecret("kv-gone-cluster", only({ cluster: "gone", user: kc.users[0]!.name }));
    fx.az.setSecret("kv-gone-user", only({ cluster: kc.clusters[0]!.name, user: "gone" }));
    fx.az.setSecret("kv-no-user", only({ cluster: kc.clusters[0]!.name }));
    const names = ["kv-gone-cluster", "kv-gone-user", "kv-no-user"];
    const file = write("dangling-secrets.yaml", names.map((n) => `  - name: ${n}\n    keyVaultSecret: ${fx.az.url}/secrets/${n}\n`).join("").replace(/^/, "clusters:\n"));
    const snaps = await Promise.all((await discoverFleet({ ...fx.settings, fleetFile: file })).map((t) => collectCluster(t, SCAN)));
    const secret = (n: string) => `the kubeconfig in Key Vault secret ${fx.az.url}/secrets/${n}`;
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["kv-gone-cluster", "error", `${secret("kv-gone-cluster")}: context "x" names cluster "gone", which is not defined`],
      ["kv-gone-user", "error", `${secret("kv-gone-user")}: context "x" names user "gone", which is not defined`],
      // Anonymous, so refused: reached over TLS checked against the cluster's CA, not a TLS failure.
      ["kv-no-user", "unauthorized", expect.stringContaining("401")],
    ]);
  });

  it("a Key Vault kubeconfig's secret never reaches a warning or a reason, whatever YAML it looks like", async () => {
    const mc = fx.az.managedCluster("kv-aad");
    const kubeconfig = (user: string) => `clusters:\n- name: c\n  cluster: {server: '${mc.server}'}\nusers:\n- name: u\n  user:\n${user}contexts:\n- name: x\n  context: {cluster: c, user: u}\n`;
    // A password starting with ! is a YAML tag, one starting with * an alias: the parser quotes both.
    fx.az.setSecret("kv-tagged", kubeconfig("    username: admin\n    password: !Sup3rS3cretPW\n"));
    fx.az.setSecret("kv-alias", kubeconfig("    username: admin\n    password: *Sup3rS3cretAL\n"));
    fx.az.setSecret("kv-broken", kubeconfig("    token: [Sup3rS3cretBR\n"));
    const file = write("secret-yaml.yaml", ["kv-tagged", "kv-alias", "kv-broken"].map((n) => `  - name: ${n}\n    keyVaultSecret: !vault ${fx.az.url}/secrets/${n}\n`).join("").replace(/^/, "clusters:\n"));
    const { result: snaps, warnings } = await warningsDuring(async () => Promise.all((await discoverFleet({ ...fx.settings, fleetFile: file })).map((t) => collectCluster(t, SCAN))));
    expect(warnings.join("\n")).not.toMatch(/Sup3rS3cret|!vault/);
    expect(JSON.stringify(snaps)).not.toContain("Sup3rS3cret");
    const secret = (n: string) => `the kubeconfig in Key Vault secret ${fx.az.url}/secrets/${n}`;
    expect(snaps.slice(1).map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["kv-alias", "error", `${secret("kv-alias")} is not YAML`],
      ["kv-broken", "error", expect.stringMatching(new RegExp(`^${secret("kv-broken").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not YAML \\(line \\d+\\)$`))],
    ]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["not yaml", "clusters: [", /not valid YAML or JSON/],
    ["no clusters", "clusters: []", /clusters: lists no clusters/],
    ["unknown key", "clusters:\n  - name: a\n    kubeconfg: x", /clusters\[0\] \("a"\): Unrecognized key/],
    ["no source", "clusters:\n  - name: a", /clusters\[0\] \("a"\): give exactly one of kubeconfig, keyVaultSecret, armResourceId$/],
    ["two sources", "clusters:\n  - name: a\n    kubeconfig: k\n    armResourceId: x", /clusters\[0\] \("a"\): give exactly one of .* \(has kubeconfig and armResourceId\)/],
    ["empty name", "clusters:\n  - name: ''\n    kubeconfig: k", /clusters\[0\] \(""\)\.name: Too small/],
    ["duplicate", `clusters:\n  - name: a\n    kubeconfig: KC\n  - name: a\n    kubeconfig: KC`, /clusters\[1\] \("a"\): the name is already used by clusters\[0\]/],
    // The same cluster in another spelling (case, trailing /): ARM ids compare as discovery compares them.
    ["an ARM id used twice", `clusters:\n  - name: a\n    armResourceId: ARMID\n  - name: b\n    armResourceId: ARMID_OTHER_SPELLING`, /clusters\[1\] \("b"\): armResourceId ".*" is already used by clusters\[0\] \("a"\)$/],
    ["kubeconfig missing", "clusters:\n  - name: a\n    kubeconfig: missing.yaml", /clusters\[0\] \("a"\): kubeconfig .*missing\.yaml not found/],
    ["bad ARM id", "clusters:\n  - name: a\n    armResourceId: /subscriptions/x/resourceGroups/rg", /clusters\[0\] \("a"\): armResourceId .* is not \/subscriptions/],
    ["bad secret URI", "clusters:\n  - name: a\n    keyVaultSecret: http://vault/secrets/x", /clusters\[0\] \("a"\): .* is not a Key Vault secret URI/],
    ["context on ARM", `clusters:\n  - name: a\n    armResourceId: /subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x\n    context: c`, /context applies to kubeconfig and keyVaultSecret entries only/],
    ["admin on kubeconfig", "clusters:\n  - name: a\n    kubeconfig: KC\n    adminCredentials: true", /adminCredentials applies to armResourceId entries only/],
    ["a malformed kubeconfig", "clusters:\n  - name: a\n    kubeconfig: KC\n  - name: b\n    kubeconfig: GARBAGE", /clusters\[1\] \("b"\): malformed kubeconfig .*garbage\.kubeconfig: [^\n]*$/],
    ["a context not in the kubeconfig", "clusters:\n  - name: a\n    kubeconfig: KC\n  - name: b\n    kubeconfig: KC\n    context: nocontext", /clusters\[1\] \("b"\): context "nocontext" not found in .*kubeconfig$/],
    ["a dangling context", "clusters:\n  - name: a\n    kubeconfig: DANGLING", /clusters\[0\] \("a"\): kubeconfig .*dangling\.kubeconfig: context "kc-1" names cluster "kc-1", which is not defined$/],
    ["a subscription that is not a GUID", "clusters:\n  - name: a\n    armResourceId: /subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x", /clusters\[0\] \("a"\): armResourceId .*: subscription "not-a-guid" is not a subscription id \(a GUID\)$/],
  ];
  const armId = `/subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/X`;
  for (const [what, text, message] of bad) {
    it(`refuses a fleet file with ${what}, naming the file and entry`, () => {
      const file = write(`bad-${what.replace(/\W+/g, "-")}.yaml`, text.replaceAll("KC", kubeconfig).replaceAll("GARBAGE", garbage).replaceAll("DANGLING", dangling).replaceAll("ARMID_OTHER_SPELLING", `${armId.toLowerCase()}/`).replaceAll("ARMID", armId));
      expect(() => loadFleetFile(file)).toThrow(expect.objectContaining({ name: "UsageError", message: expect.stringMatching(new RegExp(`^fleet file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `)) }));
      expect(() => loadFleetFile(file)).toThrow(message);
      expect(() => loadFleetFile(file)).not.toThrow(/GARBAGESECRET/);
    });
  }

  it("refuses a missing fleet file", () => {
    expect(() => loadFleetFile(path.join(fx.dir, "nope.yaml"))).toThrow(/fleet file .*nope\.yaml: not found/);
  });
});

describe("Key Vault", () => {
  it("the alerts' reader gets the Teams webhook URL from the vault with the real SDK", async () => {
    expect(await keyVaultReader(`${fx.az.url}/secrets/teams-webhook`)).toBe("https://prod-00.westeurope.logic.azure.com/workflows/abc?sig=s3cr3t");
    // The SDK's first request to a vault carries no token: the vault's 401 challenge names the resource.
    const vault = fx.az.arm.requests.filter((r) => r.path.startsWith("/secrets/"));
    expect(vault[0]!.status).toBe(401);
    expect(vault.filter((r) => r.path.startsWith("/secrets/teams-webhook")).map((r) => r.status)).toEqual([200]);
  });

  it("names the secret (not its value) when it cannot be read", async () => {
    await expect(keyVaultReader(`${fx.az.url}/secrets/absent`)).rejects.toThrow(`Key Vault secret absent in ${fx.az.url}: 404 SecretNotFound`);
  });
});
