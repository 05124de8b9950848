// Every app setting the Functions app's code reads is set in infra/, and nothing set there goes unread.
// "Reads" = env accesses in every module reachable from functions/index.ts, plus %SETTING% binding
// expressions in the registrations; "set" = the appsettings block of infra/resources.bicep.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_CLUSTER_DEADLINE_SECONDS, readCollectSettings, readRoundSettings } from "../../functions/settings.js";
import { ALERT_DELIVERY_DEADLINE_MS } from "../../src/fanout/deps.js";
import { MAX_DEQUEUE_COUNT } from "../../src/fanout/queue.js";
import { moduleGraph } from "../helpers/imports.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Read by reachable code but meaningful only on a developer machine: local.settings.json.example has them. */
const LOCAL_ONLY: Record<string, string> = {
  AzureWebJobsStorage: "a connection string; Azure uses the identity-based AzureWebJobsStorage__* settings",
  FLEET_AUDIT_KUBECONFIG: "kubeconfig files exist on developer machines only",
};
/** Read by shared discovery code for the CLI and pipelines; never set in Azure, where the identity does this. */
const OUTSIDE_AZURE: Record<string, string> = {
  FLEET_AUDIT_ARM_TOKEN: "a pipeline's own ARM token; the app uses its managed identity",
  FLEET_AUDIT_AKS_TOKEN: "a pipeline's own AKS token; the app uses its managed identity",
  FLEET_AUDIT_ARM_CA: "an extra CA for a simulated ARM; Azure's endpoints use public CAs",
  FLEET_AUDIT_STORAGE_TOKEN: "a pipeline's own storage token for the CLI; the app uses its managed identity",
};
/** Environment, not app settings: the CLI's default kubeconfig (the app always names its sources), npm's version. */
// NODE_EXTRA_CA_CERTS is Node's own: read to add --arm-ca to it, never an app setting of ours.
const NOT_SETTINGS = new Set(["KUBECONFIG", "HOME", "npm_package_version", "NODE_EXTRA_CA_CERTS"]);
/** Set in infra for the Functions host, the platform or a library, not read by our code. */
const HOST_OR_LIBRARY: Record<string, string> = {
  AzureWebJobsStorage__credential: "host: identity-based storage",
  AzureWebJobsStorage__blobServiceUri: "host: leases, timers, deployment",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "host: telemetry",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "host: Entra ID auth for telemetry",
  AZURE_CLIENT_ID: "@azure/identity: the user-assigned identity for ARM and Key Vault",
};

function settingsRead(): Set<string> {
  const out = new Set<string>();
  for (const file of moduleGraph(path.join(ROOT, "functions/index.ts"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1]!);
    for (const m of text.matchAll(/\benv\[\s*["']([^"']+)["']\s*\]/g)) out.add(m[1]!);
    // Names handed to a reader helper (str("FLEET_AUDIT_X"), tables of setting names).
    for (const m of text.matchAll(/["'`](FLEET_AUDIT_[A-Z0-9_]+)["'`]/g)) out.add(m[1]!);
    if (file.includes(`${path.sep}functions${path.sep}`)) for (const m of text.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)) out.add(m[1]!);
  }
  return out;
}

/** Keys of the `properties` object of the appsettings resource (top level of that object only). */
function settingsSet(): Set<string> {
  const bicep = readFileSync(path.join(ROOT, "infra/resources.bicep"), "utf8");
  const at = bicep.indexOf("'Microsoft.Web/sites/config@");
  expect(at).toBeGreaterThan(0);
  const open = bicep.indexOf("properties: {", at) + "properties: ".length;
  let depth = 0;
  let end = open;
  for (; end < bicep.length; end++) {
    if (bicep[end] === "{") depth++;
    else if (bicep[end] === "}" && --depth === 0) break;
  }
  const body = bicep.slice(open + 1, end);
  return new Set([...body.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map((m) => m[1]!));
}

describe("app settings", () => {
  const read = settingsRead();
  const set = settingsSet();

  it("finds what the code reads (the scan itself works)", () => {
    for (const k of ["SCAN_SCHEDULE", "FLEET_AUDIT_QUEUE", "FLEET_AUDIT_SUBSCRIPTIONS", "AzureWebJobsStorage__tableServiceUri", "FLEET_AUDIT_TEAMS_WEBHOOK"]) expect(read).toContain(k);
    expect(set.size).toBeGreaterThan(15);
  });

  it("every setting the code reads is set in infra (or is local-only, and then in local.settings.json.example)", () => {
    const missing = [...read].filter((k) => !set.has(k) && !(k in LOCAL_ONLY) && !(k in OUTSIDE_AZURE) && !NOT_SETTINGS.has(k));
    expect(missing).toEqual([]);
    for (const k of Object.keys(OUTSIDE_AZURE)) expect(read).toContain(k);
    for (const k of Object.keys(OUTSIDE_AZURE)) expect(set).not.toContain(k);
    const local = JSON.parse(readFileSync(path.join(ROOT, "local.settings.json.example"), "utf8")).Values as Record<string, string>;
    for (const k of Object.keys(LOCAL_ONLY)) expect(Object.keys(local)).toContain(k);
    for (const k of Object.keys(LOCAL_ONLY)) expect(read).toContain(k); // no stale entries in the list
  });

  it("nothing set in infra goes unread", () => {
    const unused = [...set].filter((k) => !read.has(k) && !(k in HOST_OR_LIBRARY));
    expect(unused).toEqual([]);
    for (const k of Object.keys(HOST_OR_LIBRARY)) expect(set).toContain(k);
  });

  it("host.json retries a job as often as the worker does, and outlasts a cluster's deadline", () => {
    const host = JSON.parse(readFileSync(path.join(ROOT, "host.json"), "utf8"));
    expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
    expect(host.extensions.queues.messageEncoding).toBe("base64");
    const [h, m, s] = (host.functionTimeout as string).split(":").map(Number);
    // The longest deadline the app accepts (and infra lets through), then the round's alerts, still end
    // inside the timeout, with a minute left for the round's evaluation.
    expect(h! * 3600 + m! * 60 + s!).toBeGreaterThanOrEqual(MAX_CLUSTER_DEADLINE_SECONDS + ALERT_DELIVERY_DEADLINE_MS / 1000 + 60);
    expect(() => readCollectSettings({ FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS: String(MAX_CLUSTER_DEADLINE_SECONDS + 1) })).toThrow(/FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS/);
    expect(readFileSync(path.join(ROOT, "infra/main.bicep"), "utf8")).toMatch(new RegExp(`@maxValue\\(${MAX_CLUSTER_DEADLINE_SECONDS}\\)\\s*param clusterDeadlineSeconds`));
    expect(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).main).toBe("dist/functions/index.js");
  });

  it("host.json never samples away a trace: the one line that names a failed cluster must reach App Insights", () => {
    const { samplingSettings } = JSON.parse(readFileSync(path.join(ROOT, "host.json"), "utf8")).logging.applicationInsights;
    if (samplingSettings.isEnabled === false) return;
    expect(samplingSettings.excludedTypes.split(";")).toEqual(expect.arrayContaining(["Exception", "Request", "Trace"]));
  });

  it("deploys a scan schedule and deadlines the app accepts, and Bicep refuses what it can", () => {
    const main = readFileSync(path.join(ROOT, "infra/main.bicep"), "utf8");
    const params = readFileSync(path.join(ROOT, "infra/main.parameters.json"), "utf8");
    const defaults = [/param scanSchedule string = '([^']*)'/.exec(main)?.[1], /"\$\{SCAN_SCHEDULE=([^}]*)\}"/.exec(params)?.[1]];
    for (const schedule of defaults) expect(readRoundSettings({ SCAN_SCHEDULE: schedule })).toEqual({ roundDeadlineMs: 30 * 60_000 });
    expect(main).toMatch(/@minLength\(11\)\s*@description\([^\n]*\)\s*param scanSchedule string/);
    expect(main).toMatch(/@minValue\(1\)\s*@maxValue\(1440\)\s*param roundDeadlineMinutes int/);
    expect(main).toMatch(/@minValue\(1\)\s*@maxValue\(600\)\s*param requestTimeoutSeconds int/);
  });
});

// Built-in role definition ids (the same in every tenant), by name: a wrong id fails `azd up`.
const BUILT_IN_ROLES: Record<string, string> = {
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
  "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
};

describe("infra role assignments", () => {
  const bicep = ["main.bicep", "resources.bicep", "fleet-roles.bicep"].map((f) => [f, readFileSync(path.join(ROOT, "infra", f), "utf8")] as const);

  it("name each role by its built-in id", () => {
    const named = bicep.flatMap(([f, text]) => [...text.matchAll(/'([0-9a-f-]{36})'\)?\s*\/\/\s*(.+?)\s*$/gm)].map((m) => ({ f, id: m[1]!, name: m[2]! })));
    expect(named.length).toBeGreaterThanOrEqual(9);
    for (const { f, id, name } of named) expect(BUILT_IN_ROLES[name], `${f}: unknown role name "${name}"`).toBeDefined();
    for (const { f, id, name } of named) expect(id, `${f}: ${name}`).toBe(BUILT_IN_ROLES[name]);
  });

  it("map only parameters main.bicep declares in main.parameters.json (azd fills them from its environment)", () => {
    const params = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "infra/main.parameters.json"), "utf8")).parameters as object);
    const main = bicep.find(([f]) => f === "main.bicep")![1];
    const declared = new Set([...main.matchAll(/^param (\w+) /gm)].map((m) => m[1]!));
    expect(params.filter((p) => !declared.has(p))).toEqual([]);
    expect(params).toEqual(expect.arrayContaining(["assignFleetRolesHere", "dashboardPublicUrl"]));
  });

  it("let azd set every parameter that feeds an app setting, under that setting's name and with main.bicep's default", () => {
    const mapped = JSON.parse(readFileSync(path.join(ROOT, "infra/main.parameters.json"), "utf8")).parameters as Record<string, { value: string }>;
    const main = bicep.find(([f]) => f === "main.bicep")![1];
    const params = [...main.matchAll(/^param (\w+) \w+(?: = (.+))?$/gm)].map((m) => ({ name: m[1]!, default: m[2]?.replace(/^'(.*)'$/, "$1") }));
    // Which app setting each parameter feeds: the appsettings line of resources.bicep that names it.
    const resources = bicep.find(([f]) => f === "resources.bicep")![1];
    const feeds = new Map<string, string>();
    for (const setting of settingsSet()) {
      const value = new RegExp(`^\\s*${setting}\\s*:(.*)$`, "m").exec(resources)![1]!;
      for (const p of params) if (new RegExp(`\\b${p.name}\\b`).test(value)) feeds.set(p.name, setting);
    }
    expect(feeds.size).toBeGreaterThanOrEqual(14);
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const p of params) {
      const setting = feeds.get(p.name);
      if (setting) {
        expect(mapped[p.name]?.value, p.name).toBe(`\${${setting}${p.default === undefined ? "" : `=${p.default}`}}`);
        expect(readme, `README names ${setting}`).toContain(`\`${setting}\``);
      } else if (p.default === undefined) expect(mapped[p.name]?.value, `${p.name} has no default: azd must fill it`).toMatch(/^\$\{\w+\}$/);
    }
  });

  it("give a plain `az deployment` what azd gets, in az-deployment.bicepparam: the same parameters, variables, defaults and types", () => {
    const azd = JSON.parse(readFileSync(path.join(ROOT, "infra/main.parameters.json"), "utf8")).parameters as Record<string, { value: string }>;
    const file = readFileSync(path.join(ROOT, "infra/az-deployment.bicepparam"), "utf8");
    expect(file).toMatch(/^using 'main\.bicep'$/m);
    // azd would take a main.bicepparam instead of main.bicep with main.parameters.json.
    expect(existsSync(path.join(ROOT, "infra/main.bicepparam"))).toBe(false);
    const main = bicep.find(([f]) => f === "main.bicep")![1];
    const declared = [...main.matchAll(/^param (\w+) (\w+)(?: = (.+))?$/gm)].map((m) => ({ name: m[1]!, type: m[2]!, default: m[3]?.replace(/^'(.*)'$/, "$1") }));
    const types = new Map(declared.map((p) => [p.name, p.type] as const));
    const az: Record<string, string> = {};
    for (const [, name, value] of file.matchAll(/^param (\w+) = (.+)$/gm)) {
      // readEnvironmentVariable gives a string: int and bool parameters convert it, as azd does.
      const m = /^(?:(int|bool)\()?readEnvironmentVariable\('(\w+)'(?:, '([^']*)')?\)\)?$/.exec(value!);
      expect(m, `${name} = ${value}`).not.toBeNull();
      const [, convert, variable, fallback] = m!;
      expect(convert ?? "string", `${name} is a ${types.get(name!)} in main.bicep`).toBe(types.get(name!));
      az[name!] = `\${${variable}${fallback === undefined ? "" : `=${fallback}`}}`;
    }
    // azd fills a bare ${VAR} with "" when VAR is unset; az needs that default spelled out, unless
    // main.bicep has none (then the variable must be set, as azd always sets it).
    const spelled = (name: string, value: string): string => {
      const fallback = declared.find((p) => p.name === name)?.default;
      return /^\$\{\w+\}$/.test(value) && fallback !== undefined ? value.replace("}", `=${fallback}}`) : value;
    };
    expect(az).toEqual(Object.fromEntries(Object.entries(azd).map(([k, v]) => [k, spelled(k, v.value)])));
    expect(readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("--parameters infra/az-deployment.bicepparam");
  });

  it("name the fleet role assignments after the principal, so a recreated identity does not collide with the old one's", () => {
    const fleet = bicep.find(([f]) => f === "fleet-roles.bicep")![1];
    expect(fleet).toMatch(/name: guid\(subscription\(\)\.id, principalId, role\)/);
    expect(bicep.find(([f]) => f === "main.bicep")![1]).toMatch(/module fleetRoles 'fleet-roles\.bicep'/);
  });
});
