// A policy's alert destinations are resolved after the file loads (environment, Key Vault): their
// problems still name the file and the key, as the load-time ones do.
import { describe, expect, it } from "vitest";
import { alertSettings, policyAlerts } from "../../src/alerts/config.js";
import { UsageError } from "../../src/errors.js";
import { parsePolicy } from "../../src/policy/load.js";
import { SecretReadError } from "../../src/sources/azure/key-vault.js";

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

  it("names them too when Key Vault refuses the secret, keeping the error's class (the exit code follows it)", async () => {
    const kv = policyAlerts(policy("{name: oncall, urlFromKeyVault: 'https://kv.vault.azure.net/secrets/x'}"));
    const forbidden = alertSettings({ ...kv, env: {}, keyVault: async () => Promise.reject(new SecretReadError("Key Vault secret x in https://kv.vault.azure.net: 403 Forbidden", 403)) });
    await expect(forbidden).rejects.toThrow(
      /^ops\/policy\.yaml: alerts\.destinations\[1\]\.urlFromKeyVault: Key Vault secret x in https:\/\/kv\.vault\.azure\.net: 403 Forbidden \(destination "oncall"\)$/,
    );
    await expect(forbidden).rejects.toBeInstanceOf(SecretReadError);
    await expect(forbidden).rejects.toMatchObject({ statusCode: 403 });
    const badUri = alertSettings({ ...kv, env: {}, keyVault: async () => Promise.reject(new UsageError('"x" is not a Key Vault secret URI')) });
    await expect(badUri).rejects.toThrow(/^ops\/policy\.yaml: alerts\.destinations\[1\]\.urlFromKeyVault: "x" is not a Key Vault secret URI \(destination "oncall"\)$/);
    await expect(badUri).rejects.toBeInstanceOf(UsageError);
  });

  it("calls a generic destination a webhook once, a Teams one a teams webhook", async () => {
    await expect(alertSettings({ webhooks: ["http://example.com/x"], env: {} })).rejects.toThrow(/^webhook must be an https URL \(host example\.com\)$/);
    await expect(alertSettings({ teams: ["http://example.com/x"], env: {} })).rejects.toThrow(/^teams webhook must be an https URL \(host example\.com\)$/);
    await expect(alertSettings({ webhooks: ["not a url"], env: {} })).rejects.toThrow(/^webhook is not a URL$/);
  });

  it("resolves a good one", async () => {
    const s = await alertSettings({ ...policyAlerts(policy("{name: oncall, minSeverity: critical, urlFromEnv: HOOK}")), env: { HOOK: "https://b.example.com/y" } });
    expect(s.destinations.map((d) => [d.kind, d.minSeverity])).toEqual([["teams", "warning"], ["teams", "critical"]]);
  });
});
