// Points this test process at a simulated Azure the way a Functions host would: the managed-identity
// endpoint in the environment (msal-node reads process.env), ARM endpoint and CA in the settings.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type SimAzure, type SimAzureOptions, startSimAzure } from "../../src/sim/index.js";
import { type DiscoverySettings, discoverySettingsFromEnv } from "../../src/sources/discover.js";

export interface AzureFixture {
  az: SimAzure;
  dir: string;
  env: Record<string, string>;
  settings: DiscoverySettings;
  close(): Promise<void>;
}

export async function withSimAzure(opts: SimAzureOptions): Promise<AzureFixture> {
  const az = await startSimAzure(opts);
  const dir = mkdtempSync(path.join(tmpdir(), "simazure-"));
  const env = az.env(await az.writeCa(dir));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return {
    az,
    dir,
    env,
    settings: discoverySettingsFromEnv(env),
    async close() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await az.close();
    },
  };
}

export const SUB_A = "11111111-1111-4111-8111-111111111111";
export const SUB_B = "22222222-2222-4222-8222-222222222222";
export const SUB_C = "33333333-3333-4333-8333-333333333333";
