// Exec credential plugins of a kubeconfig, run against the simulator: a good one scans; a broken one
// fails its cluster as an error (the API server was never asked, so nobody refused), in one line that
// names the plugin and never repeats what it printed (a raw token, a token inside broken JSON); of one
// that fails, the last line of its stderr, redacted, says why (kubelogin's "run … login").
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import { runCli } from "../helpers/cli.js";
import { eachContext } from "../helpers/each-context.js";

const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJKU0VDUkVUIn0.JSECRETSIGNATURE";
const SECRETS = ["XSECRETTOKENVALUE", "YSECRETTOKEN", "ZSECRETSTDERR", "WSECRETNOSTATUS", "TSECRETSTDOUT", JWT, "JSECRETSIGNATURE", "SSSSSSSS", "OSECRET", "PSECRET", "ZWSECRET", "NULSECRET"];
const PLUGINS: Record<string, string> = {
  good: `printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' "$SIM_TOKEN"`,
  raw: "echo XSECRETTOKENVALUE1234567890abcdefghijklmnopqrstuvwxyz",
  badjson: `echo '{"kind":"ExecCredential","status":{"token":"YSECRETTOKEN_abcdefghijklmnop" garbage}}'`,
  fails: `echo "error: the cache holds token=ZSECRETSTDERR" >&2; exit 3`,
  nostatus: `echo '{"token":"WSECRETNOSTATUS"}'`,
  // kubelogin's way: progress, then what to do, on stderr (a blank line after it).
  login: `echo "reading the token cache" >&2; printf 'error: please log in: run "kubelogin login"\\n\\n' >&2; exit 1`,
  // A credential on stdout is never quoted; one on stderr (a JWT, in colour) is redacted.
  jwt: `echo '{"status":{"token":"TSECRETSTDOUT"}}'; printf '\\033[31merror:\\033[0m token expired: ${JWT}\\n' >&2; exit 1`,
  // Only a line's first 199 characters are quoted.
  chatty: `printf 'word %.0s' $(seq 60) >&2; exit 1`,
  // A last line longer than the tail kept: its start (token=) is lost, so nothing of it is quoted.
  flood: `printf 'token=%s' "$(head -c 5000 /dev/zero | tr '\\0' S)" >&2; exit 1`,
  // Known by their shape alone: a long opaque token, a PEM key whose last line is a line of its body.
  opaque: `echo "error: refresh failed for OSECRET0123456789abcdefghijklmnopq" >&2; exit 1`,
  pem: `printf -- '-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIPSECRETLINE\\nPSECRETLASTLINE==\\n' >&2; exit 1`,
  // A zero-width space or a NUL inside a credential hides it from redaction unless it is deleted first.
  zwjwt: `printf 'error: token expired: eyJ\\342\\200\\213hbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.ZWSECRETSIG\\n' >&2; exit 1`,
  nul: `printf 'error: tok\\000en=NULSECRET01\\n' >&2; exit 1`,
  // Every kind of terminal escape goes whole: OSC (to BEL or ST), DCS, SOS, PM, APC, two-character ones.
  escapes: `printf '\\033]0;kubelogin\\007\\033(B\\0337\\033]8;;\\033\\\\\\033P1;2|data\\033\\\\\\033Xsos\\033\\\\\\033^pm\\033\\\\\\033_apc\\033\\\\error:\\033[0m run kubelogin login\\0338\\n' >&2; exit 1`,
};

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let snaps: ClusterSnapshot[];
const storage = inject("azuriteConnectionString");
const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-exec", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "exec-plugin-"));
  const doc = YAML.parse(sim.kubeconfig()) as { clusters: Array<{ name: string; cluster: { server: string } }>; contexts: unknown[]; users: unknown[]; "current-context": string };
  const real = doc.clusters[0]!;
  // Contexts on one API server are one cluster, scanned once: each broken plugin's context gets a server
  // of its own (a path of the simulator's, never reached: its credentials fail first).
  const ownServer = (name: string): string => {
    if (name === "good") return real.name;
    doc.clusters.push({ name, cluster: { ...real.cluster, server: `${real.cluster.server}/${name}` } });
    return name;
  };
  const exec = (command: string, env: Array<{ name: string; value: string }> = []) => ({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command, args: ["get-token", "--secret-arg", "VSECRETARG"], env, interactiveMode: "Never" } });
  doc.contexts = [];
  doc.users = [];
  for (const [name, body] of Object.entries(PLUGINS)) {
    const script = path.join(dir, `${name}-plugin`);
    writeFileSync(script, `#!/bin/sh\n${body}\n`);
    chmodSync(script, 0o755);
    doc.contexts.push({ name, context: { cluster: ownServer(name), user: name } });
    doc.users.push({ name, user: exec(script, name === "good" ? [{ name: "SIM_TOKEN", value: sim.cluster("aks-exec").token }] : []) });
  }
  doc.contexts.push({ name: "missing", context: { cluster: ownServer("missing"), user: "missing" } });
  doc.users.push({ name: "missing", user: exec("/nonexistent/bin/cloud-auth-plugin") });
  doc["current-context"] = "good";
  kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, YAML.stringify(doc));
  const targets = await discoverFleet({ kubeconfig: [kubeconfig] });
  snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-exec", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 })));
});

afterAll(async () => {
  await sim?.close();
});

const snap = (name: string) => snaps.find((s) => s.cluster === name)!;

describe("exec credential plugins", () => {
  it("a plugin that prints an ExecCredential gets the cluster scanned with its token", () => {
    expect([snap("good").status, snap("good").reason]).toEqual(["ok", undefined]);
    expect(snap("good").nodes).toHaveLength(1);
  });

  it("a broken plugin fails its cluster as an error, in one line naming the plugin, never quoting its stdout; a failing one's last stderr line is quoted, redacted", () => {
    expect(snaps.filter((s) => s.cluster !== "good").map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["raw", "error", "getting credentials: the kubeconfig's exec plugin raw-plugin did not print an ExecCredential"],
      ["badjson", "error", "getting credentials: the kubeconfig's exec plugin badjson-plugin did not print an ExecCredential"],
      ["fails", "error", "getting credentials: the kubeconfig's exec plugin fails-plugin failed (exit code 3): error: the cache holds token=(redacted)"],
      ["nostatus", "error", "getting credentials: the kubeconfig's exec plugin nostatus-plugin did not print an ExecCredential"],
      ["login", "error", `getting credentials: the kubeconfig's exec plugin login-plugin failed (exit code 1): error: please log in: run "kubelogin login"`],
      ["jwt", "error", "getting credentials: the kubeconfig's exec plugin jwt-plugin failed (exit code 1): error: token expired: (redacted)"],
      ["chatty", "error", `getting credentials: the kubeconfig's exec plugin chatty-plugin failed (exit code 1): ${"word ".repeat(40).slice(0, 199)}…`],
      ["flood", "error", "getting credentials: the kubeconfig's exec plugin flood-plugin failed (exit code 1)"],
      ["opaque", "error", "getting credentials: the kubeconfig's exec plugin opaque-plugin failed (exit code 1): error: refresh failed for (redacted)"],
      ["pem", "error", "getting credentials: the kubeconfig's exec plugin pem-plugin failed (exit code 1): (redacted)"],
      ["zwjwt", "error", "getting credentials: the kubeconfig's exec plugin zwjwt-plugin failed (exit code 1): error: token expired: (redacted)"],
      ["nul", "error", "getting credentials: the kubeconfig's exec plugin nul-plugin failed (exit code 1): error: token=(redacted)"],
      ["escapes", "error", "getting credentials: the kubeconfig's exec plugin escapes-plugin failed (exit code 1): error: run kubelogin login"],
      ["missing", "error", "getting credentials: the kubeconfig's exec plugin cloud-auth-plugin could not be started (ENOENT: it is not installed or not on PATH)"],
    ]);
  });

  it("neither the scan's output nor its findings repeat a secret, or claim a server refused", async () => {
    const env = { FLEET_AUDIT_TABLE_PREFIX: `exec${process.pid}` };
    const scan = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--cluster-deadline", "20"], { env });
    expect(scan.code).toBe(0);
    const report = await runCli(["report", "findings", "--format", "json", "--storage", storage], { env });
    const findings = (JSON.parse(report.stdout) as { findings: Array<{ rule: string; cluster: string; message: string }> }).findings;
    expect(findings.filter((f) => f.cluster !== "good" && /^SCN/.test(f.rule)).map((f) => [f.cluster, f.rule])).toEqual(
      ["badjson", "chatty", "escapes", "fails", "flood", "jwt", "login", "missing", "nostatus", "nul", "opaque", "pem", "raw", "zwjwt"].map((c) => [c, "SCN001"]),
    );
    const everything = [scan.stdout, scan.stderr, report.stdout].join("\n");
    for (const s of [...SECRETS, "VSECRETARG", sim.cluster("aks-exec").token]) expect(everything).not.toContain(s);
    expect(everything).not.toContain("refused");
  });
});

/** An executable plugin script in the test's directory. */
function pluginScript(name: string, body: string): string {
  const file = path.join(dir, `${name}-plugin`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A kubeconfig of the simulated cluster with a context for each exec config given, named as its user. */
function execKubeconfig(name: string, execs: Record<string, Record<string, unknown>>): string {
  const doc = YAML.parse(readFileSync(kubeconfig, "utf8")) as { contexts: Array<{ name: string; context: { cluster: string } }>; users: unknown[]; "current-context": string };
  const cluster = doc.contexts[0]!.context.cluster;
  doc.contexts = Object.keys(execs).map((user) => ({ name: user, context: { cluster, user } }));
  doc.users = Object.entries(execs).map(([user, exec]) => ({ name: user, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", interactiveMode: "Never", ...exec } } }));
  doc["current-context"] = Object.keys(execs)[0]!;
  const file = path.join(dir, `${name}.kubeconfig`);
  writeFileSync(file, YAML.stringify(doc));
  return file;
}

describe("an exec plugin that hangs", () => {
  /** A kubeconfig whose only user runs a wrapper script that starts `sleep` and writes its pid to the returned file. */
  function hangingWrapper(name: string): { file: string; pidFile: string } {
    const pidFile = path.join(dir, `${name}.pid`);
    // As a wrapper around a real plugin hangs: the plugin (a grandchild) holds the stdout pipe open.
    const command = pluginScript(name, `sleep 600 &\necho $! > "${pidFile}"\nwait $!`);
    return { file: execKubeconfig(name, { [name]: { command } }), pidFile };
  }

  /** Whether a process is gone (or only a zombie waiting for init to reap it). */
  function gone(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z");
    } catch {
      return true;
    }
  }

  async function waitGone(pidFile: string): Promise<void> {
    const pid = Number(readFileSync(pidFile, "utf8"));
    for (let i = 0; i < 100 && !gone(pid); i++) await sleep(20);
    const alive = !gone(pid);
    if (alive) process.kill(pid, "SIGKILL"); // this test's own sleep, by its pid
    expect(alive).toBe(false);
  }

  it("fails its cluster at the cluster deadline, naming the step, and is killed with what it started", async () => {
    const { file, pidFile } = hangingWrapper("hang");
    const [target] = await discoverFleet({ kubeconfig: [file] });
    const snap = await collectCluster(target!, { scanId: "20261201T000000000Z-hang", requestTimeoutMs: 5000, clusterDeadlineMs: 1500 });
    expect([snap.status, snap.reason]).toEqual(["error", "getting credentials: the kubeconfig's exec plugin hang-plugin did not finish within the cluster deadline"]);
    await waitGone(pidFile);
  });

  it("does not keep the scan's process alive past its deadline", async () => {
    const { file, pidFile } = hangingWrapper("hang-cli");
    const started = Date.now();
    const env = { ...process.env, NO_COLOR: "1", FLEET_AUDIT_TABLE_PREFIX: `hang${process.pid}` };
    const child = spawn(process.execPath, [BIN, "scan", "--kubeconfig", file, "--storage", storage, "--cluster-deadline", "2"], { env, stdio: "ignore" });
    const stuck = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code] = (await once(child, "exit")) as [number | null];
    clearTimeout(stuck);
    expect([code, Date.now() - started < 20_000]).toEqual([0, true]);
    await waitGone(pidFile);
  }, 60_000);

  // In its own process group, the plugin gets no Ctrl-C from the terminal: the scan must kill it.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`is killed with what it started when ${sig} stops the scan (on its embedded store)`, async () => {
      const { file, pidFile } = hangingWrapper(`stopped-${sig}`);
      const dataDir = mkdtempSync(path.join(tmpdir(), "exec-stop-"));
      const child = spawn(process.execPath, [BIN, "scan", "--kubeconfig", file, "--data-dir", dataDir], { env: { ...process.env, NO_COLOR: "1" }, stdio: "ignore" });
      const stuck = setTimeout(() => child.kill("SIGKILL"), 40_000);
      const ended = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      for (let i = 0; i < 1000 && !existsSync(pidFile); i++) await sleep(20);
      await sleep(100); // the pid is written before the wrapper waits
      child.kill(sig);
      const [, killedBy] = await ended;
      clearTimeout(stuck);
      expect(killedBy).toBe(sig); // the signal still ends the scan, as before
      await waitGone(pidFile);
    }, 60_000);
  }
});

describe("an exec plugin that leaves a helper running", () => {
  it("is done when it exits, though the helper still holds its stderr open", async () => {
    const pidFile = path.join(dir, "helper.pid");
    // A token cache daemon, say: its stdout goes elsewhere, its stderr is the plugin's.
    const command = pluginScript("helper", `sleep 60 >/dev/null &\necho $! > "${pidFile}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' "$SIM_TOKEN"`);
    const file = execKubeconfig("helper", { helper: { command, env: [{ name: "SIM_TOKEN", value: sim.cluster("aks-exec").token }] } });
    const [target] = await discoverFleet({ kubeconfig: [file] });
    try {
      const snap = await collectCluster(target!, { scanId: "20261201T000000000Z-helper", requestTimeoutMs: 5000, clusterDeadlineMs: 10_000 });
      expect([snap.status, snap.reason]).toEqual(["ok", undefined]);
    } finally {
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL"); // this test's own sleep, by its pid
    }
  });
});

describe("an exec plugin that echoes what the kubeconfig gives it", () => {
  it("has every value of its args and env redacted from the stderr line quoted, flags kept", async () => {
    const [spn, arg, eqArg] = ["Xy8Q~SPNVALUE0123456789abcdef", "Xy8Q~ARGVALUE0123456789abcdef", "Xy8Q~EQVALUE0123456789abcdef"];
    const file = execKubeconfig("echoes", {
      // A wrapper run with `set -x` traces each command, the secret it passes on included.
      "set-x": { command: pluginScript("set-x", 'set -ex\nfalse login --password "$AZ_SP_SECRET"'), env: [{ name: "AZ_SP_SECRET", value: spn }] },
      // A plugin that takes no such flag says so, with its value.
      "flag-echo": { command: pluginScript("flag-echo", 'echo "Error: unknown flag: $1 $2" >&2; exit 1'), args: ["--client-secret", arg] },
      "flag-equals": { command: pluginScript("flag-equals", 'echo "Error: unknown flag: $1" >&2; exit 1'), args: [`--credential=${eqArg}`] },
    });
    const got = await Promise.all((await eachContext(file)).map((t) => collectCluster(t, { scanId: "20261201T000000000Z-echoes", requestTimeoutMs: 5000, clusterDeadlineMs: 10_000 })));
    expect(got.map((s) => [s.cluster, s.reason])).toEqual([
      ["set-x", "getting credentials: the kubeconfig's exec plugin set-x-plugin failed (exit code 1): + false login --password (redacted)"],
      ["flag-echo", "getting credentials: the kubeconfig's exec plugin flag-echo-plugin failed (exit code 1): Error: unknown flag: --client-secret (redacted)"],
      ["flag-equals", "getting credentials: the kubeconfig's exec plugin flag-equals-plugin failed (exit code 1): Error: unknown flag: --credential=(redacted)"],
    ]);
  });
});

describe("an exec plugin whose credential has already expired", () => {
  it("is run once for the scan, not again for every request", async () => {
    const runs = path.join(dir, "expired-runs");
    const command = pluginScript("expired", `echo run >> "${runs}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2020-01-01T00:00:00Z"}}' "$SIM_TOKEN"`);
    const file = execKubeconfig("expired", { expired: { command, env: [{ name: "SIM_TOKEN", value: sim.cluster("aks-exec").token }] } });
    const [target] = await discoverFleet({ kubeconfig: [file] });
    const snap = await collectCluster(target!, { scanId: "20261201T000000000Z-expired", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 });
    expect([snap.status, readFileSync(runs, "utf8")]).toEqual(["ok", "run\n"]);
  });
});

describe("an exec config of the wrong shape", () => {
  it("fails its cluster naming the plugin and the field, never its values, and the plugin never runs", async () => {
    const ran = path.join(dir, "shape-ran");
    const command = pluginScript("shape", `echo ran > "${ran}"`);
    const file = execKubeconfig("shapes", {
      "env-map": { command, env: { SECRET: "SEKRET_envvalue" } },
      "env-strings": { command, env: ["SECRET=SEKRET_envvalue"] },
      "args-string": { command, args: "--secret SEKRET_arg" },
    });
    const targets = await eachContext(file);
    const got = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-shape", requestTimeoutMs: 5000, clusterDeadlineMs: 5000 })));
    expect(got.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["env-map", "error", "getting credentials: the kubeconfig's exec plugin shape-plugin: its env must be a list of name and value pairs, not a mapping"],
      ["env-strings", "error", "getting credentials: the kubeconfig's exec plugin shape-plugin: its env must be a list of name and value pairs"],
      ["args-string", "error", "getting credentials: the kubeconfig's exec plugin shape-plugin: its args must be a list of strings, not a string"],
    ]);
    expect(existsSync(ran)).toBe(false);
  });
});

describe("a user of a removed auth-provider (gcp, azure)", () => {
  it("fails its cluster as a credential error naming the context, user and replacement, and its helper never runs", async () => {
    const ran = path.join(dir, "provider-helper-ran");
    const helper = path.join(dir, "provider-helper");
    writeFileSync(helper, `#!/bin/sh\necho ran > "${ran}"\necho '{"access_token":"USECRETPROVIDER"}'\n`);
    chmodSync(helper, 0o755);
    const doc = YAML.parse(readFileSync(kubeconfig, "utf8")) as { contexts: Array<{ name: string; context: { cluster: string } }>; users: unknown[]; "current-context": string };
    const cluster = doc.contexts[0]!.context.cluster;
    doc.contexts = ["gcp", "azure"].map((p) => ({ name: `old-${p}`, context: { cluster, user: `${p}-user` } }));
    doc.users = ["gcp", "azure"].map((p) => ({ name: `${p}-user`, user: { "auth-provider": { name: p, config: { "cmd-path": helper, "cmd-args": "--secret USECRETARG", "token-key": "{.access_token}", "expiry-key": "{.expiry}" } } } }));
    doc["current-context"] = "old-gcp";
    const file = path.join(dir, "providers.kubeconfig");
    writeFileSync(file, YAML.stringify(doc));
    // Read as it is, without discovery's Entra ID rewrite of the azure user: what client-node would be handed.
    const targets = discoverFromKubeconfig({ files: [file] });
    const got = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-provider", requestTimeoutMs: 5000, clusterDeadlineMs: 5000 })));
    expect(got.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["old-gcp", "error", `getting credentials: context "old-gcp" user "gcp-user" uses the gcp auth-provider, which kubectl removed in 1.26 and this auditor does not run: use the gke-gcloud-auth-plugin exec plugin instead`],
      ["old-azure", "error", "getting credentials: context \"old-azure\" user \"azure-user\" uses the azure auth-provider, which kubectl removed in 1.26 and this auditor does not run: use kubelogin's exec plugin (`kubelogin convert-kubeconfig`) instead"],
    ]);
    expect(existsSync(ran)).toBe(false);
  });
});

describe("a credential that cannot be parsed, for a plain-http server", () => {
  it("fails as getting credentials, never as the API server's malformed JSON quoting it", async () => {
    // An oidc id-token whose header is no JSON: client-node's JSON.parse message quotes its start.
    const idToken = ["SEKRETRAWTOKEN0123456789", "{}", "sig"].map((p) => Buffer.from(p).toString("base64url")).join(".");
    const file = path.join(dir, "http-oidc.kubeconfig");
    writeFileSync(file, YAML.stringify({
      clusters: [{ name: "plain", cluster: { server: "http://127.0.0.1:9" } }],
      users: [{ name: "oidc-user", user: { "auth-provider": { name: "oidc", config: { "id-token": idToken, "idp-issuer-url": "https://127.0.0.1:9" } } } }],
      contexts: [{ name: "plain-http", context: { cluster: "plain", user: "oidc-user" } }],
      "current-context": "plain-http",
    }));
    const [target] = await discoverFleet({ kubeconfig: [file] });
    const got = await collectCluster(target!, { scanId: "20261201T000000000Z-oidc", requestTimeoutMs: 2000, clusterDeadlineMs: 5000 });
    expect([got.status, got.reason]).toEqual(["error", "getting credentials: the credential could not be parsed"]);
  });
});
