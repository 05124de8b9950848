// --arm-ca adds a CA for ARM and Key Vault to those Node trusts, NODE_EXTRA_CA_CERTS's included: a
// TLS-inspecting proxy's CA given the Node way keeps working beside it.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createCa } from "../../src/sim/index.js";
import { discoverRefs } from "../../src/sources/discover.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
let otherCa: string;

beforeAll(async () => {
  fx = await withSimAzure({ subscriptions: [{ id: SUB_A }], clusters: [{ name: "aks-ca", mode: "overlay", nodes: 1 }] });
  otherCa = path.join(fx.dir, "other-ca.pem");
  writeFileSync(otherCa, createCa("another-proxy").certPem);
});

afterAll(async () => {
  await fx?.close();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("--arm-ca beside NODE_EXTRA_CA_CERTS", () => {
  it("trusts both: ARM signed by NODE_EXTRA_CA_CERTS's CA answers though --arm-ca names another", async () => {
    // The simulated ARM's CA the Node way, and an unrelated CA as --arm-ca.
    vi.stubEnv("NODE_EXTRA_CA_CERTS", fx.settings.armCaFile!);
    const refs = await discoverRefs({ ...fx.settings, armCaFile: otherCa, subscriptions: [SUB_A] });
    expect(refs.map((r) => r.name)).toEqual(["aks-ca"]);
  });

  it("refuses a NODE_EXTRA_CA_CERTS that cannot be read, naming the variable", async () => {
    vi.stubEnv("NODE_EXTRA_CA_CERTS", path.join(fx.dir, "missing.pem"));
    await expect(discoverRefs({ ...fx.settings, subscriptions: [SUB_A] })).rejects.toThrow(`NODE_EXTRA_CA_CERTS ${path.join(fx.dir, "missing.pem")}: ENOENT`);
  });
});
