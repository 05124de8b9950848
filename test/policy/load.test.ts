// The policy file: YAML validated at load, with errors naming the file and the path of the bad key.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { formatPath, loadPolicy, parsePolicy } from "../../src/policy/load.js";
import { warningsDuring } from "../helpers/process-warnings.js";

const GOOD = `
thresholds:
  CNS003: { totalRestarts: 10 }
  NNC001: { graceMinutes: 15 }
severity:
  CNS005: info
baseline:
  cnsVersion: v1.6.25
  minCnsVersion: v1.5.0
  cnsConfig:
    ChannelMode: CRD
    EnableIPAMv2: true
overrides:
  - cluster: "aks-dev-*"
    thresholds:
      SCN004: { scanIntervalMinutes: 240 }
    severity:
      CNS002: warning
waivers:
  - cluster: aks-dev-*
    rule: CNS005
    resource: daemonset/azure-cns
    reason: canary rollout of v1.6.26
    expires: 2026-12-31
  - rule: "DRF*"
    reason: drift is tracked elsewhere
    expires: 2026-12-31T18:00:00Z
`;

const bad = (yaml: string) => {
  try {
    parsePolicy(yaml, "policy.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError); // the CLI turns it into exit code 2
    return (e as Error).message;
  }
  throw new Error("expected the policy to be rejected");
};

describe("policy file", () => {
  it("loads a full, valid policy", () => {
    const p = parsePolicy(GOOD, "policy.yaml");
    expect(p).toMatchObject({
      thresholds: { CNS003: { totalRestarts: 10 } },
      severity: { CNS005: "info" },
      baseline: { cnsVersion: "v1.6.25", cnsConfig: { ChannelMode: "CRD", EnableIPAMv2: true } },
      overrides: [{ cluster: "aks-dev-*", severity: { CNS002: "warning" } }],
      source: "policy.yaml",
    });
    expect(p.waivers).toHaveLength(2);
    expect(p.waivers![0]!.expires).toBe("2026-12-31"); // YAML's core schema keeps dates as strings
  });

  it("takes severities in any case, as the command line does, and keeps the canonical names", () => {
    const p = parsePolicy("severity:\n  CNS005: Info\noverrides:\n  - cluster: a\n    severity: {CNS002: WARNING}\nalerts:\n  destinations:\n    - {minSeverity: Critical, urlFromEnv: X}\n");
    expect(p.severity).toEqual({ CNS005: "info" });
    expect(p.overrides![0]!.severity).toEqual({ CNS002: "warning" });
    expect(p.alerts!.destinations![0]!.minSeverity).toBe("critical");
  });

  it("takes rule IDs in any case, as --rule does, and keeps the catalogue's IDs", () => {
    const p = parsePolicy(
      "thresholds:\n  ipx001: {warningPercent: 70}\nseverity:\n  cns005: info\noverrides:\n  - cluster: a\n    thresholds: {Cns003: {totalRestarts: 2}}\n    severity: {cns002: warning}\nwaivers:\n  - {rule: drf001, reason: x}\n  - {rule: 'nnc*', reason: y}\n",
    );
    expect(p.thresholds).toEqual({ IPX001: { warningPercent: 70 } });
    expect(p.severity).toEqual({ CNS005: "info" });
    expect(p.overrides![0]).toMatchObject({ thresholds: { CNS003: { totalRestarts: 2 } }, severity: { CNS002: "warning" } });
    expect(p.waivers!.map((w) => w.rule)).toEqual(["DRF001", "NNC*"]);
    // Checked as the catalogue's rule: its thresholds and their order.
    expect(bad("thresholds:\n  ipx001: {criticalPercent: 70}\n")).toContain("thresholds.IPX001: IPX001 warningPercent (80) must not be above criticalPercent (70)");
  });

  it("takes an alert destination's type in any case", () => {
    const p = parsePolicy("alerts:\n  destinations:\n    - {type: Teams, urlFromEnv: X}\n    - {type: WEBHOOK, urlFromEnv: Y}\n");
    expect(p.alerts!.destinations!.map((d) => d.type)).toEqual(["teams", "webhook"]);
  });

  it("accepts thresholds at their bounds and pairs that keep their order, equal included", () => {
    expect(() => parsePolicy("thresholds:\n  IPX001: {warningPercent: 0, criticalPercent: 100}\n  IPX004: {warningDays: 3, criticalDays: 3}\n  CNS003: {totalRestarts: 0}\n")).not.toThrow();
    expect(() => parsePolicy("thresholds:\n  IPX001: {warningPercent: 90}\noverrides:\n  - cluster: a\n    thresholds: {IPX001: {criticalPercent: 99}}\n")).not.toThrow();
  });

  it("accepts stacked overrides that cannot invert a pair: patterns that never meet, a later override setting both", () => {
    const ok = (yaml: string) => expect(() => parsePolicy(yaml)).not.toThrow();
    ok("overrides:\n  - cluster: 'aks-dev-*'\n    thresholds: {IPX001: {warningPercent: 90, criticalPercent: 95}}\n  - cluster: 'aks-prod-*'\n    thresholds: {IPX001: {warningPercent: 50, criticalPercent: 60}}\n");
    ok("overrides:\n  - cluster: 'a*'\n    thresholds: {IPX001: {warningPercent: 90}}\n  - cluster: ab\n    thresholds: {IPX001: {warningPercent: 70, criticalPercent: 85}}\n");
    ok("overrides:\n  - cluster: '*-dev'\n    thresholds: {IPX001: {warningPercent: 90}}\n  - cluster: '*-prod'\n    thresholds: {IPX001: {criticalPercent: 85}}\n");
  });

  it("accepts YAML merge keys, and a waiver naming a rule whatever its cluster pattern", () => {
    const p = parsePolicy("thresholds:\n  IPX001: &t {warningPercent: 70}\n  IPX005: {<<: *t, criticalPercent: 99}\n");
    expect(p.thresholds).toEqual({ IPX001: { warningPercent: 70 }, IPX005: { warningPercent: 70, criticalPercent: 99 } });
    expect(parsePolicy("waivers:\n  - {cluster: '*', rule: IPX004, reason: forecasts are noise here}\n").waivers).toHaveLength(1);
  });

  it("accepts a webhook on this machine over http, as the command line does", () => {
    expect(parsePolicy("alerts:\n  destinations:\n    - {url: 'http://127.0.0.1:7399/hook'}\n").alerts!.destinations![0]!.url).toBe("http://127.0.0.1:7399/hook");
  });

  it("accepts an empty file as the empty policy", () => {
    expect(parsePolicy("", "p.yaml")).toEqual({ source: "p.yaml" });
    expect(parsePolicy("# nothing yet\n", "p.yaml")).toEqual({ source: "p.yaml" });
  });

  it.each([
    ["waivers:\n  - {rule: CNS005, reason: x}\n  - {rule: CNS001, reason: y}\n  - {rule: CNS002, reason: z, expires: next tuesday}\n", "policy.yaml: waivers[2].expires: not an ISO date"],
    ["waivers:\n  - {rule: CNS005, reason: x, expires: 2026-02-30}\n", "waivers[0].expires: not an ISO date"],
    ["waivers:\n  - {rule: CNS005}\n", "policy.yaml: waivers[0].reason: a reason is required"],
    ["waivers:\n  - {rule: CNS005, reason: '  '}\n", "waivers[0].reason: a reason is required"],
    ["waivers:\n  - {reason: everything}\n", "waivers[0]: name at least one of cluster, rule, resource"],
    ["waivers:\n  - {cluster: '*', reason: silence everything}\n", "waivers[0]: name at least one of cluster, rule, resource (a pattern of only * matches everything)"],
    ["waivers:\n  - {cluster: '**', rule: '*', resource: '*', reason: silence everything}\n", "waivers[0]: name at least one of cluster, rule, resource (a pattern of only * matches everything)"],
    ["waivers:\n  - {rule: CNS099, reason: typo}\n", "waivers[0].rule: unknown rule CNS099"],
    ["waivers:\n  - {rule: CNS005, reason: x, owner: me}\n", 'waivers[0]: unknown key "owner"'],
    ["waivers: {rule: CNS005}\n", "waivers: must be a list of waivers"],
    ["thresholds:\n  CNS003: {totalRestarts: many}\n", "thresholds.CNS003.totalRestarts: must be a number"],
    ["thresholds:\n  CNS003: {restarts: 3}\n", 'thresholds.CNS003.restarts: CNS003 has no threshold "restarts" (it has: totalRestarts)'],
    ["thresholds:\n  IPX002: {x: 3}\n", "thresholds.IPX002.x: IPX002 has no thresholds"],
    ["thresholds:\n  high: {x: 3}\n", "thresholds.high: not a rule ID such as CNS002"],
    // An unknown rule, in any case, names the ones there are; one rule named twice in two cases is refused.
    ["severity:\n  cns099: info\n", "severity.cns099: unknown rule cns099 (the catalogue has IPX001, IPX002"],
    ["waivers:\n  - {rule: Cns099, reason: typo}\n", "waivers[0].rule: unknown rule Cns099 (the catalogue has IPX001"],
    ["severity:\n  cns005: info\n  CNS005: warning\n", "severity.CNS005: names CNS005 again (as cns005 before)"],
    ["overrides:\n  - cluster: a\n    thresholds: {ipx001: {warningPercent: 70}, IPX001: {criticalPercent: 99}}\n", "overrides[0].thresholds.IPX001: names IPX001 again (as ipx001 before)"],
    ["thresholds:\n  IPX001: {warningPercent: 96, criticalPercent: 90}\n", "thresholds.IPX001: IPX001 warningPercent (96) must not be above criticalPercent (90)"],
    // One side moved past the other's default inverts the pair just the same.
    ["thresholds:\n  IPX001: {criticalPercent: 70}\n", "thresholds.IPX001: IPX001 warningPercent (80) must not be above criticalPercent (70)"],
    ["thresholds:\n  IPX004: {warningDays: 2}\n", "thresholds.IPX004: IPX004 warningDays (2) must not be below criticalDays (3)"],
    ["thresholds:\n  IPX001: {warningPercent: 70}\noverrides:\n  - cluster: a\n    thresholds: {IPX001: {criticalPercent: 60}}\n", "overrides[0].thresholds.IPX001: IPX001 warningPercent (70) must not be above criticalPercent (60)"],
    // Two overrides that can apply to one cluster (ab matches both) stack into an inverted pair.
    [
      "overrides:\n  - cluster: 'a*'\n    thresholds: {IPX001: {warningPercent: 90}}\n  - cluster: ab\n    thresholds: {IPX001: {criticalPercent: 85}}\n",
      "overrides[1].thresholds.IPX001: IPX001 warningPercent (90, overrides[0]) must not be above criticalPercent (85, overrides[1]): both overrides can apply to one cluster",
    ],
    [
      "overrides:\n  - cluster: 'aks-*'\n    thresholds: {IPX004: {criticalDays: 7}}\n  - subscription: sub-1\n    thresholds: {IPX004: {warningDays: 5}}\n",
      "overrides[1].thresholds.IPX004: IPX004 warningDays (5, overrides[1]) must not be below criticalDays (7, overrides[0]): both overrides can apply to one cluster",
    ],
    ["thresholds:\n  SCN004: {scanIntervalMinutes: 0}\n", "thresholds.SCN004.scanIntervalMinutes: must be greater than 0"],
    ["overrides:\n  - cluster: a\n    thresholds: {SCN004: {intervals: 0}}\n", "overrides[0].thresholds.SCN004.intervals: must be greater than 0"],
    ["thresholds:\n  IPX001: {warningPercent: -5}\n", "thresholds.IPX001.warningPercent: must be a percentage from 0 to 100"],
    ["thresholds:\n  IPX005: {criticalPercent: 150}\n", "thresholds.IPX005.criticalPercent: must be a percentage from 0 to 100"],
    ["thresholds:\n  CNS003: {totalRestarts: -1}\n", "thresholds.CNS003.totalRestarts: must not be negative"],
    ["severity:\n  CNS001: high\n", "severity.CNS001: must be one of info, warning, critical"],
    ["overrides:\n  - thresholds: {CNS003: {totalRestarts: 2}}\n", "overrides[0]: name a cluster or subscription pattern"],
    ["overrides:\n  - cluster: a\n    severity: {CNS002: loud}\n", "overrides[0].severity.CNS002: must be one of info, warning, critical"],
    ["baseline:\n  cnsVersion: latest\n", "baseline.cnsVersion: not a version like v1.6.25"],
    ["baseline:\n  cnsConfig: {EnableFoo: true}\n", "baseline.cnsConfig.EnableFoo: not a watched cns_config.json key"],
    ["baseline:\n  cnsConfig: {ChannelMode: [CRD]}\n", "baseline.cnsConfig.ChannelMode: must be a string, number or boolean"],
    ["thershold: {}\n", '(top level): unknown key "thershold"'],
    ["alerts:\n  destinations:\n    - {url: 'http://hooks.example.com/x'}\n", "alerts.destinations[0].url: must be an https URL (http only to localhost)"],
    ["alerts:\n  publicUrl: ftp://x\n", "alerts.publicUrl: must be an http(s) URL"],
    ["alerts:\n  publicUrl: 'https://func.azurewebsites.net/api/dashboard?code=k'\n", "alerts.publicUrl: must not carry a function key (code=): cards are read by anyone in the channel"],
    ["alerts:\n  destinations:\n    - {urlFromKeyVault: 'http://kv.example/secrets/x'}\n", "alerts.destinations[0].urlFromKeyVault: must be an https Key Vault secret URL"],
    // The alerts section reads like the rest: no raw schema text.
    ["alerts:\n  destinations:\n    - {minSeverity: loud, urlFromEnv: X}\n", "alerts.destinations[0].minSeverity: must be one of info, warning, critical"],
    ["alerts:\n  destinations:\n    - {type: slack, urlFromEnv: X}\n", "alerts.destinations[0].type: must be one of teams, webhook"],
    ["alerts:\n  destinations:\n    - {urlFromEnv: 'MY-HOOK'}\n", "alerts.destinations[0].urlFromEnv: must be an environment variable name"],
    ["- just\n- a list\n", "(top level): must be a mapping"],
    ["waivers: [\n", "policy.yaml: not valid YAML"],
    ["a: 1\na: 2\n", "not valid YAML"],
  ])("rejects %j naming the bad key", (yaml, message) => {
    expect(bad(yaml)).toContain(message);
  });

  it("emits no warning quoting the file for a tag it does not know", async () => {
    const { result, warnings } = await warningsDuring(() => parsePolicy("severity:\n  CNS005: !loud info\n", "policy.yaml"));
    expect(result.severity).toEqual({ CNS005: "info" });
    expect(warnings).toEqual([]);
  });

  it("keeps the message to one line and caps the number of issues shown", () => {
    const m = bad("severity:\n  CNS001: a\n  CNS002: b\n  CNS003: c\n  CNS004: d\n  CNS005: e\n");
    expect(m.split("\n")).toHaveLength(1);
    expect(m).toContain("(and 2 more)");
  });

  it("reads a file, and names a missing one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "policy-"));
    const f = path.join(dir, "policy.yaml");
    writeFileSync(f, GOOD);
    expect(loadPolicy(f).source).toBe(f);
    expect(() => loadPolicy(path.join(dir, "nope.yaml"))).toThrow(`policy file not found: ${path.join(dir, "nope.yaml")}`);
  });

  it("loads the example policy shipped in examples/", () => {
    const p = loadPolicy(new URL("../../examples/policy.yaml", import.meta.url).pathname);
    expect(p.waivers!.length).toBeGreaterThan(0);
  });

  it("formats paths like the keys a person wrote", () => {
    expect(formatPath(["waivers", 2, "expires"])).toBe("waivers[2].expires");
    expect(formatPath(["thresholds", "IPX001", "warning"])).toBe("thresholds.IPX001.warning");
    expect(formatPath([])).toBe("");
  });
});
