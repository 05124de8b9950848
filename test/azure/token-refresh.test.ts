// An Entra token that expires in the middle of a run is replaced before the cluster sees it expired.
// Own file: msal-node caches managed-identity tokens process-wide, so the first token must already be
// short-lived.
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AKS_AAD_SERVER_APP } from "../../src/sim/index.js";
import { discoverRefs, resolveTarget } from "../../src/sources/discover.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;

beforeAll(async () => {
  fx = await withSimAzure({ subscriptions: [{ id: SUB_A }], tokenLifetimeSeconds: 2, clusters: [{ name: "entra", mode: "overlay", nodes: 1, azure: { aad: true } }] });
});

afterAll(async () => {
  await fx?.close();
});

it("fetches a new token for the AKS server app when the current one expires", async () => {
  const [ref] = await discoverRefs({ ...fx.settings, subscriptions: [SUB_A] });
  const kc = await (await resolveTarget(ref!, fx.settings)).kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  expect((await core.listNode()).items).toHaveLength(1);
  expect((await core.listNode()).items).toHaveLength(1);
  const issued = fx.az.identity.issued(AKS_AAD_SERVER_APP);
  expect(issued).toBe(1);
  // Past the first token's expiry the cluster refuses it: the next request must carry a new one.
  await new Promise((r) => setTimeout(r, 2100));
  expect((await core.listNode()).items).toHaveLength(1);
  expect(fx.az.identity.issued(AKS_AAD_SERVER_APP)).toBe(2);
});
