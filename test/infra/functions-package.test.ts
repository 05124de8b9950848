// The Functions app's deployment package: built on the deploying machine (azure.yaml), holding the
// compiled app and its production dependencies, never the sources, the tests or the CLI's Azurite.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_ONLY_DEPENDENCIES, PACKAGE_DIR, packageFiles, productionManifest } from "../../deploy/functions-package.js";
import { stageFunctionsPackage } from "../../deploy/stage.js";
import { loadFleetFile } from "../../src/sources/fleet-file.js";
import { moduleGraph } from "../helpers/imports.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (f: string): string => readFileSync(path.join(ROOT, f), "utf8");
const pkg = JSON.parse(read("package.json"));
const fromRoot = (files: string[]): string[] => files.map((f) => path.relative(ROOT, f).split(path.sep).join("/"));

const KUBECONFIG = (context: string): string => `apiVersion: v1
clusters: [{ name: c, cluster: { server: "https://10.0.0.1" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ${context}, context: { cluster: c, user: u } }]
`;

/** A built project in a temporary folder, with a policy and a fleet file naming kubeconfigs beside it and elsewhere. */
function builtProject(): string {
  const root = mkdtempSync(path.join(tmpdir(), "funcproject-"));
  const files: Record<string, string> = {
    "host.json": read("host.json"),
    "package.json": read("package.json"),
    "package-lock.json": read("package-lock.json"),
    "dist/functions/index.js": "",
    "dist/src/core.js": "",
    "config/policy.yaml": read("examples/policy.yaml"),
    "config/kubeconfigs/prod.kubeconfig": KUBECONFIG("prod"),
    "shared/dev.kubeconfig": KUBECONFIG("dev"),
    "config/fleet.yaml": `clusters:
  - { name: prod-weu, kubeconfig: kubeconfigs/prod.kubeconfig }
  - { name: prod-neu, kubeconfig: kubeconfigs/prod.kubeconfig, context: prod }
  - { name: dev-weu, kubeconfig: ../shared/dev.kubeconfig }
  - { name: prod-kv, keyVaultSecret: "https://fleet-audit-kv.vault.azure.net/secrets/prod-kv" }
`,
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), text);
  }
  return root;
}

describe("azd deploys a package built here", () => {
  const api = parse(read("azure.yaml")).services.api;

  it("azure.yaml turns the platform's build off and zips the folder the prepackage hook stages", () => {
    expect(api).toMatchObject({ language: "ts", host: "function", remoteBuild: false, dist: PACKAGE_DIR });
    for (const os of ["posix", "windows"]) expect(api.hooks.prepackage[os].run, os).toBe("npm run package:functions");
    expect(pkg.scripts["package:functions"]).toBe("npm run build && node dist/deploy/stage.js");
    expect(read(".gitignore").split("\n")).toContain(`${PACKAGE_DIR}/`);
  });

  it(".funcignore agrees: azd refuses remoteBuild: false when it ignores node_modules; sources and tests stay out", () => {
    const patterns = read(".funcignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const p of patterns) expect(p, "ignores node_modules").not.toMatch(/^\/?(node_modules\/?|\*\*?\/?)$/);
    expect(patterns).toEqual(expect.arrayContaining(["*.ts", "!*.d.ts", "test", "bench", "deploy", "tsconfig*.json", "local.settings.json", PACKAGE_DIR]));
  });
});

describe("the package", () => {
  const files = packageFiles(ROOT, {});

  it("holds what the host loads: host.json, package.json's main and every module it imports, the parse worker", () => {
    expect(files).toContain("host.json");
    const app = fromRoot(moduleGraph(path.join(ROOT, pkg.main)));
    expect(app.length).toBeGreaterThan(50);
    expect(files).toEqual(expect.arrayContaining([pkg.main, ...app, "dist/src/collect/parse-worker.js"]));
  });

  it("holds no sources, tests, bench, source maps or packaging code", () => {
    const stray = files.filter((f) => /\.(ts|map)$/.test(f) || /^(src|functions|test|bench|deploy|dist\/bench|dist\/deploy)\//.test(f));
    expect(stray).toEqual([]);
  });

  it("ships the policy and fleet files the app settings name, from the project root where the app looks for them", () => {
    const project = builtProject();
    const built = packageFiles(project, {});
    expect(packageFiles(project, { FLEET_AUDIT_POLICY: "config/policy.yaml", FLEET_AUDIT_FLEET_FILE: "config/fleet.yaml" })).toEqual([...built, "config/policy.yaml", "config/fleet.yaml", "config/kubeconfigs/prod.kubeconfig", "shared/dev.kubeconfig"]);
    expect(() => packageFiles(ROOT, { FLEET_AUDIT_POLICY: "missing-policy.yaml" })).toThrow(`FLEET_AUDIT_POLICY: file not found: ${path.join(ROOT, "missing-policy.yaml")}`);
    expect(() => packageFiles(ROOT, { FLEET_AUDIT_FLEET_FILE: "../fleet.yaml" })).toThrow(/FLEET_AUDIT_FLEET_FILE: \.\.\/fleet\.yaml must be a path inside the project/);
  });

  it("ships every kubeconfig the fleet file names, where the app looks for it: relative to the fleet file", () => {
    const project = builtProject();
    // Loaded from the package as the app loads it, the fleet file finds each kubeconfig.
    const out = stageFunctionsPackage(project, path.join(project, PACKAGE_DIR), { FLEET_AUDIT_FLEET_FILE: "config/fleet.yaml" }, () => undefined);
    expect(loadFleetFile(path.join(out, "config/fleet.yaml")).map((e) => (e.kind === "kubeconfig" ? path.relative(out, e.file) : e.kind))).toEqual([
      path.join("config", "kubeconfigs", "prod.kubeconfig"),
      path.join("config", "kubeconfigs", "prod.kubeconfig"),
      path.join("shared", "dev.kubeconfig"),
      "keyVault",
    ]);
  });

  it("refuses a fleet file whose kubeconfigs the package could not hold, naming them all", () => {
    expect(() => packageFiles(ROOT, { FLEET_AUDIT_FLEET_FILE: "examples/fleet.yaml" })).toThrow(`FLEET_AUDIT_FLEET_FILE: examples/fleet.yaml names kubeconfig files not found: ${path.join(ROOT, "examples/kubeconfigs/prod.yaml")}`);
    const project = builtProject();
    writeFileSync(path.join(project, "config/missing.yaml"), "clusters:\n  - name: a\n    kubeconfig: a.kubeconfig\n  - name: b\n    kubeconfig: b.kubeconfig\n");
    expect(() => packageFiles(project, { FLEET_AUDIT_FLEET_FILE: "config/missing.yaml" })).toThrow(`names kubeconfig files not found: ${path.join(project, "config/a.kubeconfig")}, ${path.join(project, "config/b.kubeconfig")}`);
    writeFileSync(path.join(project, "config/outside.yaml"), `clusters:\n  - name: a\n    kubeconfig: ${path.relative(path.join(project, "config"), path.join(ROOT, "examples/policy.yaml"))}\n`);
    expect(() => packageFiles(project, { FLEET_AUDIT_FLEET_FILE: "config/outside.yaml" })).toThrow(`names kubeconfig files outside the project, which the package cannot hold: ${path.join(ROOT, "examples/policy.yaml")}`);
  });

  it("refuses kubeconfigs named by absolute path, even inside the project: the shipped fleet file would name the build machine's file", () => {
    const project = builtProject();
    const inside = path.join(project, "config/kubeconfigs/prod.kubeconfig");
    const outside = path.join(ROOT, "examples/policy.yaml");
    writeFileSync(path.join(project, "config/absolute.yaml"), `clusters:\n  - name: a\n    kubeconfig: ${inside}\n  - name: b\n    kubeconfig: kubeconfigs/prod.kubeconfig\n  - name: c\n    kubeconfig: ${outside}\n`);
    expect(() => packageFiles(project, { FLEET_AUDIT_FLEET_FILE: "config/absolute.yaml" })).toThrow(`config/absolute.yaml names kubeconfig files by absolute path, which the app in Azure cannot find; name them relative to the fleet file: ${inside}, ${outside}`);
  });

  it("has a package.json with the app's entry point and production dependencies, without scripts or the CLI's Azurite", () => {
    const manifest = productionManifest(pkg);
    expect(manifest).toMatchObject({ name: pkg.name, version: pkg.version, type: "module", main: pkg.main, overrides: pkg.overrides });
    expect(manifest).not.toHaveProperty("scripts"); // a remote build, were one forced, has nothing to compile
    expect(manifest).not.toHaveProperty("devDependencies");
    const { azurite, ...rest } = pkg.dependencies;
    expect(azurite).toBeDefined(); // the CLI's embedded store keeps it: `npm ci && npm start`
    expect(manifest.dependencies).toEqual(rest);
  });
});

describe("the Functions app never loads the CLI's Azurite", () => {
  it("no module the app can import names it or the embedded store", () => {
    const app = moduleGraph(path.join(ROOT, "functions/index.ts"));
    expect(app.length).toBeGreaterThan(50);
    expect(fromRoot(app)).not.toEqual(expect.arrayContaining(["src/store/azurite.ts"]));
    expect(fromRoot(app)).not.toEqual(expect.arrayContaining(["src/store/open.ts"]));
    for (const dep of CLI_ONLY_DEPENDENCIES) {
      const naming = app.filter((f) => new RegExp(`["']${dep}(/[^"']*)?["']`).test(readFileSync(f, "utf8")));
      expect(fromRoot(naming), dep).toEqual([]);
    }
  });
});

describe("staging", () => {
  it("installs production dependencies from the lock file, prunes the CLI-only ones, copies the app, and leaves the project alone", () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "funcpack-")), PACKAGE_DIR);
    mkdirSync(out);
    writeFileSync(path.join(out, "stale.js"), "left from the last package");
    const calls: Array<{ args: string[]; manifest: { dependencies: Record<string, string>; scripts?: unknown } }> = [];
    const npm = (args: string[], cwd: string): void => {
      expect(cwd).toBe(out);
      calls.push({ args, manifest: JSON.parse(readFileSync(path.join(cwd, "package.json"), "utf8")) });
    };
    stageFunctionsPackage(ROOT, out, {}, npm);
    // npm ci sees the project's package.json (in step with the lock); prune sees the package's.
    expect(calls.map((c) => c.args.slice(0, 3))).toEqual([
      ["ci", "--omit=dev", "--ignore-scripts"],
      ["prune", "--omit=dev", "--ignore-scripts"],
    ]);
    expect(calls[0]!.manifest).toEqual(pkg);
    expect(calls[1]!.manifest).toEqual(JSON.parse(JSON.stringify(productionManifest(pkg))));
    expect(readFileSync(path.join(out, "package-lock.json"), "utf8")).toBe(read("package-lock.json"));
    for (const f of packageFiles(ROOT, {})) expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(existsSync(path.join(out, "stale.js"))).toBe(false);
    expect(existsSync(path.join(out, "src"))).toBe(false);
  });

  it("fails on a bad shipped-file setting before it removes the last package", () => {
    const out = mkdtempSync(path.join(tmpdir(), "funcpack-"));
    writeFileSync(path.join(out, "host.json"), "{}");
    expect(() => stageFunctionsPackage(ROOT, out, { FLEET_AUDIT_POLICY: "missing-policy.yaml" }, () => undefined)).toThrow("FLEET_AUDIT_POLICY");
    expect(existsSync(path.join(out, "host.json"))).toBe(true);
  });
});
