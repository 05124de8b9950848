// A policy's alert destinations are resolved after the file loads (environment, Key Vault): their
// problems still name the file and the key, as the load-time ones do.
import { describe, expect, it } from "vitest";
import { alertSettings, policyAlerts } from "../../src/alerts/config.js";
import { parsePolicy } from "../../src/policy/load.js";

const policy = (dest: string) => parsePolicy(`alerts:\n  destinations:\n    - {type: teams, url: 'https://a.example.com/x'}\n    - ${dest}\n`, "ops/policy.yaml");

describe("alert destinations of a policy file", () => {
  it("names the file and key of a destination whose URL cannot be found or used", async () => {
    await expect(alertSettings({ ...policyAlerts(policy("{name: oncall, minSeverity: critical, urlFromEnv: NOPE_NOT_SET}")), env: {} })).rejects.toThrow(
      /^ops\/policy\.yaml: alerts\.destinations\[1\]\.urlFromEnv: environment variable NOPE_NOT_SET is not set \(destination "oncall"\)$/,
    );
    await expect(alertSettings({ ...policyAlerts(policy("{urlFromKeyVault: 'https://kv.vault.azure.net/secrets/x'}")), env: {} })).rejects.toThrow(
      /^ops\/policy\.yaml: alerts\.destinations\[1\]\.urlFromKeyVault: Key Vault is not available here$/,
    );
    const plainHttp = alertSettings({ ...policyAlerts(policy("{name: oncall, urlFromEnv: HOOK}")), env: { HOOK: "http://hooks.example.com/x?sig=SECRET" } });
    await expect(plainHttp).rejects.toThrow(/^ops\/policy\.yaml: alerts\.destinations\[1\]\.urlFromEnv: teams webhook "oncall" must be an https URL \(host hooks\.example\.com\)$/);
    await expect(plainHttp).rejects.not.toThrow(/SECRET/);
  });

  it("resolves a good one", async () => {
    const s = await alertSettings({ ...policyAlerts(policy("{name: oncall, minSeverity: critical, urlFromEnv: HOOK}")), env: { HOOK: "https://b.example.com/y" } });
    expect(s.destinations.map((d) => [d.kind, d.minSeverity])).toEqual([["teams", "warning"], ["teams", "critical"]]);
  });
});
