// A kubeconfig that is empty, or YAML of another shape, or without contexts, is bad input: exit 2 with
// one worded line naming the file, never a JavaScript error. Of several merged files, an empty one adds
// nothing, as with kubectl; a name one file defines twice is refused, as kubectl refuses it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { loadKubeconfig } from "../../src/sources/kubeconfig.js";
import { runCli } from "../helpers/cli.js";
import { warningsDuring } from "../helpers/process-warnings.js";

const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-shape-"));
const storage = inject("azuriteConnectionString");
const GOOD = "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n";

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("a kubeconfig of the wrong shape", () => {
  it.each([
    ["empty", "", "is empty: it has no contexts"],
    ["only a comment", "# nothing yet\n", "is empty: it has no contexts"],
    ["a list", "- apiVersion: v1\n- kind: Config\n", "is not a kubeconfig: it holds a list, not a mapping with clusters, users and contexts"],
    ["a bare string", "hello\n", "is not a kubeconfig: it holds a string, not a mapping with clusters, users and contexts"],
    ["contexts: []", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n", "has no contexts"],
    ["contexts as a mapping", "apiVersion: v1\ncontexts:\n  x: {cluster: c}\n", ": contexts must be a list, not a mapping"],
  ])("%s: exit 2, one line naming the file", async (what, text, reason) => {
    const f = file(`${what.replace(/\W+/g, "-")}.yaml`, text);
    const r = await runCli(["scan", "--kubeconfig", f, "--storage", storage]);
    expect(r.stderr).toBe(`fleet-audit: kubeconfig ${f}${reason.startsWith(":") ? "" : " "}${reason}\n`);
    expect(r.code).toBe(2);
  });

  it.each([
    ["clusters", GOOD.replace("users:", "- name: c\n  cluster: {server: 'https://127.0.0.1:6444'}\nusers:")],
    ["users", GOOD.replace("contexts:", "- name: u\n  user: {token: other}\ncontexts:")],
    ["contexts", `${GOOD}- name: x\n  context: {cluster: c, user: u}\n`],
  ])("a name twice in its %s: exit 2, naming the file, the list and the name, as kubectl refuses it", async (list, text) => {
    const f = file(`dup-${list}.yaml`, text);
    const r = await runCli(["scan", "--kubeconfig", f, "--storage", storage]);
    expect(r.stderr).toBe(`fleet-audit: kubeconfig ${f}: duplicate name "${{ clusters: "c", users: "u", contexts: "x" }[list]}" in ${list}\n`);
    expect(r.code).toBe(2);
  });

  it("a token that looks like a YAML tag or alias never reaches a warning or the error", async () => {
    const tagged = file("tagged.yaml", GOOD.replace("token: t", "token: !Sup3rS3cretTG"));
    const { warnings } = await warningsDuring(() => loadKubeconfig([tagged]));
    expect(warnings.join("\n")).not.toContain("Sup3rS3cret");
    const alias = file("alias.yaml", GOOD.replace("token: t", "token: *Sup3rS3cretAL"));
    expect(() => loadKubeconfig([alias])).toThrow(`malformed kubeconfig ${alias}: it is not YAML`);
    const broken = file("broken.yaml", GOOD.replace("token: t", "token: [Sup3rS3cretBR"));
    expect(() => loadKubeconfig([broken])).toThrow(new RegExp(`^malformed kubeconfig ${broken}: it is not YAML \\(line \\d+\\)$`));
  });

  it("an empty file merged with others adds nothing", () => {
    const kc = loadKubeconfig([file("blank.yaml", ""), file("good.yaml", GOOD)]);
    expect(kc.getContexts().map((c) => c.name)).toEqual(["x"]);
  });
});
