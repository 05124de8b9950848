// A kubeconfig user's exec credential plugin (kubelogin, gke-gcloud-auth-plugin, aws-iam-authenticator…)
// run here instead of by client-node's ExecAuth, whose errors quote the plugin's output (a token printed
// raw came back as `Unexpected token 'X', "XSECRETTOK"...`), and which cannot be stopped (client-node
// exposes no way to cancel or kill its plugin): here the cluster's deadline kills it. Failures name
// the plugin and what went wrong, never its stdout, arguments or environment: those hold tokens. Of
// a plugin that fails, the last line of its stderr is quoted, redacted, as kubectl shows it: that is
// where kubelogin says to log in.
import { spawn } from "node:child_process";
import path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { onSignal } from "../signal-hooks.js";
import { CredentialError, ENTRA_USER_PREFIX } from "../sources/target.js";
import { withoutLongRuns, withoutSecrets } from "../secrets.js";

/** client-node's Authenticator (its index does not re-export the interface). */
type Authenticator = Parameters<k8s.KubeConfig["addAuthenticator"]>[0];

interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: Array<{ name: string; value: string }> | null;
  apiVersion?: string;
}

interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

const USER_PREFIX = "exec-plugin:";
/** An ExecCredential is a few KiB; more is not one. */
const MAX_OUTPUT = 1 << 20;
/** Of stderr only its tail is kept, for the last line a failure quotes, and that line only so long. */
const STDERR_TAIL = 4096;
const STDERR_LINE = 200;
/** How long stderr is read after the plugin exits: a helper it left running may hold it open (kubectl does not wait for it either). */
const STDERR_GRACE_MS = 100;
/**
 * How long a credential whose expiry had already passed when printed (or cannot be read) is used: the
 * plugin would print the same again (a clock ahead, a stale cache), and it would run for every request.
 */
const EXPIRED_REUSE_MS = 10_000;

/** How reasons name what getting the current user's credentials runs (exec plugin, Entra token). */
export function credentialStep(kc: k8s.KubeConfig): string {
  const user = kc.getCurrentUser();
  if (user?.exec) return pluginLabel(user.exec as { command?: unknown });
  if (user?.name.startsWith(ENTRA_USER_PREFIX)) return "the Entra ID token for the AKS server app";
  return "the kubeconfig's credentials";
}

/** How messages name a plugin: by its command's file name (its arguments may hold secrets). */
function pluginLabel(exec: { command?: unknown }): string {
  return `the kubeconfig's exec plugin ${typeof exec.command === "string" && exec.command !== "" ? path.basename(exec.command) : "(no command)"}`;
}

/** Runs one plugin, caching its credential until it expires (for the session when it names no expiry). */
class ExecPluginAuth implements Authenticator {
  private cached: { status: ExecStatus; until: number } | undefined;
  private pending: Promise<ExecStatus> | undefined;

  constructor(
    private readonly exec: ExecConfig,
    private readonly signal: AbortSignal,
  ) {}

  isAuthProvider(user: k8s.User): boolean {
    return user.name.startsWith(USER_PREFIX);
  }

  async applyAuthentication(_user: k8s.User, opts: Parameters<Authenticator["applyAuthentication"]>[1]): Promise<void> {
    const status = await this.credential();
    const o = opts as { headers?: Record<string, unknown>; cert?: string; key?: string };
    if (status.clientCertificateData) o.cert = status.clientCertificateData;
    if (status.clientKeyData) o.key = status.clientKeyData;
    if (status.token) {
      o.headers ??= {};
      o.headers.Authorization = `Bearer ${status.token}`;
    }
  }

  private credential(): Promise<ExecStatus> {
    if (this.cached && Date.now() < this.cached.until) return Promise.resolve(this.cached.status);
    this.pending ??= this.run().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async run(): Promise<ExecStatus> {
    const name = pluginLabel(this.exec);
    const out = await runPlugin(this.exec, name, this.signal);
    let status: ExecStatus | undefined;
    try {
      status = (JSON.parse(out) as { status?: ExecStatus } | null)?.status;
    } catch {
      // JSON.parse's message quotes the output: never passed on.
    }
    if (typeof status?.token !== "string" && typeof status?.clientCertificateData !== "string") throw new CredentialError("error", `${name} did not print an ExecCredential`);
    const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Infinity;
    this.cached = { status, until: expires > Date.now() ? expires : Date.now() + EXPIRED_REUSE_MS };
    return status;
  }
}

/** Plugins get their own process group, so killing it kills what a wrapper script started too (not on Windows, which has none). */
const OWN_GROUP = process.platform !== "win32";

/**
 * The process groups of the plugins running now. In their own group, a terminal's Ctrl-C no longer
 * reaches them: they are killed when this process exits or is signalled, or they would outlive the scan
 * (kubelogin, az holding their token cache's lock).
 */
const liveGroups = new Set<number>();
let groupHooksInstalled = false;

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

function killLiveGroups(): void {
  for (const pgid of liveGroups) killGroup(pgid);
  liveGroups.clear();
}

function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (groupHooksInstalled) return;
  groupHooksInstalled = true;
  process.on("exit", killLiveGroups);
  // A command that handles the signal (worker, serve) drains first: its plugins finish, or die at exit.
  onSignal((handledElsewhere) => {
    if (!handledElsewhere) killLiveGroups();
  });
}

/**
 * The plugin's stdout; stdin is closed, so a plugin that would ask a person fails instead of waiting,
 * and `signal` (the cluster deadline) kills one that hangs, with everything it started: a grandchild
 * (the real plugin behind a wrapper script) would otherwise hold the stdout pipe, and this process, open.
 */
function runPlugin(exec: ExecConfig, name: string, signal: AbortSignal): Promise<string> {
  if (typeof exec.command !== "string" || exec.command === "") return Promise.reject(new CredentialError("error", `${name} has no command`));
  const shape = shapeProblem(exec);
  if (shape) return Promise.reject(new CredentialError("error", `${name}: ${shape}`));
  const late = () => new CredentialError("error", `${name} did not finish within the cluster deadline`);
  if (signal.aborted) return Promise.reject(late());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
    // What kubectl tells a plugin (client.authentication.k8s.io): nobody is there to answer a prompt.
    KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", spec: { interactive: false } }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"], detached: OWN_GROUP });
    const group = OWN_GROUP ? child.pid : undefined;
    if (group !== undefined) trackGroup(group);
    const onAbort = (): void => {
      if (group !== undefined) killGroup(group);
      else child.kill("SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
      reject(late());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_OUTPUT) chunks.push(c);
    });
    let errTail = Buffer.alloc(0);
    let errCut = false;
    child.stderr.on("data", (c: Buffer) => {
      errTail = Buffer.concat([errTail, c]);
      if (errTail.length > STDERR_TAIL) [errTail, errCut] = [errTail.subarray(errTail.length - STDERR_TAIL), true];
    });
    child.on("exit", () => setTimeout(() => child.stderr.destroy(), STDERR_GRACE_MS).unref());
    child.on("error", (e: NodeJS.ErrnoException) => {
      signal.removeEventListener("abort", onAbort);
      const why = e.code === "ENOENT" ? "ENOENT: it is not installed or not on PATH" : (e.code ?? e.name);
      reject(new CredentialError("error", `${name} could not be started (${why})`));
    });
    child.on("close", (code, killedBy) => {
      signal.removeEventListener("abort", onAbort);
      if (group !== undefined) liveGroups.delete(group);
      if (code === 0) {
        resolve(Buffer.concat(chunks).toString("utf8"));
        return;
      }
      const said = lastStderrLine(errTail, errCut, givenValues(exec));
      reject(new CredentialError("error", `${name} failed (${killedBy ? `killed by ${killedBy}` : `exit code ${code}`})${said ? `: ${said}` : ""}`));
    });
  });
}

/**
 * Terminal escapes, whole: CSI (colours), OSC (a title, a hyperlink) to BEL or ST, DCS, SOS, PM and APC
 * to ST, two-character ones (ESC 7, ESC ( B). One the line ends before it is terminated goes to the end.
 */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[ -/]*[0-~]/g;

/**
 * The last non-empty line of a plugin's stderr (kubelogin's, gke-gcloud-auth-plugin's "run … login"),
 * without terminal escapes and control characters, without `given` (what the kubeconfig passed the plugin)
 * or any long random-looking run, redacted as a server's error is, then capped. A line the tail cut at
 * its start is dropped: what redaction knows a credential by (`eyJ`, `token=`) may be gone.
 */
function lastStderrLine(tail: Buffer, cut: boolean, given: string[]): string | undefined {
  const lines = tail.toString("utf8").split(/\r\n|\n|\r/);
  if (cut) lines.shift();
  // Format and non-space control characters are deleted, not made spaces: one inside a credential (`eyJ\u200bhbG…`, `tok\0en=`) would hide it.
  const plain = (l: string) => l.replace(ESCAPES, "").replace(/\p{Cf}|(?![\t-\r\x85])\p{Cc}/gu, "").replace(/[\s\x85]+/g, " ").trim();
  // Before normalising too, all lines at once: a value is echoed as given, spaces and all, a PEM key spans lines.
  const redact = (t: string) => withoutLongRuns(withoutSecrets(given.reduce((r, v) => r.split(v).join("(redacted)"), t)));
  const last = redact(lines.join("\n")).split("\n").map((l) => redact(plain(l))).filter((l) => l !== "").at(-1);
  if (last === undefined) return undefined;
  return last.length > STDERR_LINE ? `${last.slice(0, STDERR_LINE - 1)}…` : last;
}

/**
 * What the kubeconfig passes a plugin that may be a secret, longest first, for its stderr to be redacted
 * of: every env value and arg (of `--flag=value`, the value), but a flag's name and what is too short to
 * tell from ordinary text. A wrapper's `set -x` trace or "unknown flag: --client-secret X" echoes them.
 */
function givenValues(exec: ExecConfig): string[] {
  const args = (exec.args ?? []).filter((a) => !/^--?[a-z][\w-]*$/i.test(a)).map((a) => /^--?[a-z][\w-]*=(.*)$/is.exec(a)?.[1] ?? a);
  const values = [...args, ...(exec.env ?? []).map((e) => e.value)].flatMap((v) => [v, ...v.split(/\r\n|\n|\r/)]);
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length >= 6))].sort((a, b) => b.length - a.length);
}

/** What is wrong with the shape of an exec config's args or env, as kubectl would refuse it; never their values (secrets). */
function shapeProblem(exec: ExecConfig): string | undefined {
  // Named vars: the app-settings test reads any "env" followed by a dot and a name as a setting.
  const { args, env: vars } = exec as { args?: unknown; env?: unknown };
  const not = (v: unknown): string => (Array.isArray(v) ? "" : `, not ${typeof v === "object" ? "a mapping" : `a ${typeof v}`}`);
  if (args != null && !(Array.isArray(args) && args.every((a) => typeof a === "string"))) return `its args must be a list of strings${not(args)}`;
  const isVar = (e: unknown): boolean => typeof (e as { name?: unknown } | null)?.name === "string" && typeof (e as { value?: unknown }).value === "string";
  if (vars != null && !(Array.isArray(vars) && vars.every(isVar))) return `its env must be a list of name and value pairs${not(vars)}`;
  return undefined;
}

/**
 * `kc` whose current user's exec plugin is run by ExecPluginAuth, killed when `signal` aborts; any
 * other user is left as it is.
 */
export function withExecPlugin(kc: k8s.KubeConfig, signal: AbortSignal): k8s.KubeConfig {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const user = kc.getCurrentUser();
  if (!ctx || !user?.exec) return kc;
  const { exec, ...rest } = user;
  const out = new k8s.KubeConfig();
  out.addAuthenticator(new ExecPluginAuth(exec as ExecConfig, signal));
  const name = `${USER_PREFIX}${user.name}`;
  out.loadFromOptions({ clusters: kc.clusters, users: [{ ...rest, name }], contexts: [{ ...ctx, user: name }], currentContext: ctx.name });
  return out;
}
