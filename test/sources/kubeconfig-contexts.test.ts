// --context takes names and patterns with *: a fleet's kubeconfig often has hundreds of contexts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoverRefs, resolveTarget } from "../../src/sources/discover.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";

const NAMES = ["aks-prod-weu-01", "aks-stg-weu-01", "aks-prod-neu-01", "lab-2-star", "lab*star", "lab-other"];

function kubeconfig(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "contexts-")), "config");
  const yaml = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    ...NAMES.map((n, i) => `- name: c${i}\n  cluster:\n    server: https://127.0.0.1:${6443 + i}`),
    "users:",
    "- name: u\n  user:\n    token: t",
    "contexts:",
    ...NAMES.map((n, i) => `- name: ${JSON.stringify(n)}\n  context:\n    cluster: c${i}\n    user: u`),
  ].join("\n");
  writeFileSync(file, yaml);
  return file;
}

describe("kubeconfig contexts", () => {
  const file = kubeconfig();
  const names = (contexts?: string[]) => discoverFromKubeconfig({ files: [file], ...(contexts ? { contexts } : {}) }).map((t) => t.name);

  it("expands a pattern to every context it matches, in the kubeconfig's order, next to exact names", () => {
    expect(names(["aks-prod-*"])).toEqual(["aks-prod-weu-01", "aks-prod-neu-01"]);
    expect(names(["*-weu-*"])).toEqual(["aks-prod-weu-01", "aks-stg-weu-01"]);
    expect(names(["lab-other", "aks-*-neu-*"])).toEqual(["lab-other", "aks-prod-neu-01"]);
    // Overlapping patterns name a cluster once.
    expect(names(["aks-prod-*", "*-weu-01"])).toEqual(["aks-prod-weu-01", "aks-prod-neu-01", "aks-stg-weu-01"]);
    expect(names()).toEqual(NAMES);
  });

  it("refuses a pattern that matches nothing, as it refuses an unknown name", () => {
    expect(() => names(["aks-dev-*"])).toThrow(/no context matches "aks-dev-\*" in .*\(known: aks-prod-weu-01,/);
    expect(() => names(["aks-dev"])).toThrow(/unknown context "aks-dev"/);
  });

  it("resolves a queued reference by its exact name, even one holding a *", async () => {
    const refs = await discoverRefs({ kubeconfig: [file], contexts: ["lab*"] });
    expect(refs.map((r) => r.name)).toEqual(["lab-2-star", "lab*star", "lab-other"]);
    const star = refs.find((r) => r.name === "lab*star")!;
    // As a pattern, "lab*star" also matches lab-2-star, which comes first: the lookup must be by name.
    const target = await resolveTarget(star, { kubeconfig: [file] });
    expect(target.name).toBe("lab*star");
    expect((await target.kubeConfig()).getCurrentContext()).toBe("lab*star");
  });
});
