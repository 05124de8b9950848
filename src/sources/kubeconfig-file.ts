// Kubeconfig files read and merged as kubectl (client-go's loader) reads and merges them, which
// client-node does not quite: its mergeConfig throws on a name two files share, and it resolves only
// certificate files against the file's directory, not a token file or an exec plugin's command, and it
// reads only `token-file` (kubectl's field is `tokenFile`), every user's while loading, so one user's
// missing file failed the whole file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { KubeConfig, type User } from "@kubernetes/client-node";
import YAML from "yaml";
import { UsageError } from "../errors.js";
import { CredentialError } from "./target.js";

/**
 * One file's entries, or undefined when it holds nothing (empty, or only comments): kubectl reads such
 * a file as no entries, so one empty file of several merged is no error.
 */
export function readKubeconfigFile(file: string): KubeConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw malformed(`kubeconfig ${file}`, e, (m) => new UsageError(m));
  }
  return kubeconfigFromText(text, `kubeconfig ${file}`, path.dirname(file), (m) => new UsageError(m));
}

/**
 * Kubeconfig text as entries, checked for shape (a mapping with lists of clusters, users and contexts),
 * with relative paths resolved against `dir` when the text came from a file. `label` names it in errors
 * ("kubeconfig /path", "the kubeconfig in Key Vault secret …"); `fail` makes the caller's error type.
 * Undefined when it holds nothing.
 */
export function kubeconfigFromText(text: string, label: string, dir: string | undefined, fail: (message: string) => Error): KubeConfig | undefined {
  let doc: unknown;
  try {
    // Merge keys (<<: *anchor), as the YAML library kubectl uses reads them. No warnings: the parser's
    // quote the text (a password `!…` is an unknown tag), and Node prints them on stderr.
    doc = YAML.parse(text, { merge: true, logLevel: "error" }) as unknown;
  } catch (e) {
    throw fail(label.startsWith("kubeconfig ") ? `malformed ${label}: it is ${notYaml(e)}` : `${label} is ${notYaml(e)}`);
  }
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw fail(`${label} is not a kubeconfig: it holds ${kindOf(doc)}, not a mapping with clusters, users and contexts`);
  }
  const config = doc as Record<string, unknown>;
  for (const key of ["clusters", "users", "contexts"]) {
    const v = config[key];
    // client-node would read a mapping or a scalar here as no entries, and the file as having none.
    if (v !== undefined && v !== null && !Array.isArray(v)) throw fail(`${label}: ${key} must be a list, not ${kindOf(v)}`);
    // kubectl refuses the file; first wins applies only across files (mergeFirstWins).
    const twice = duplicateName(v);
    if (twice !== undefined) throw fail(`${label}: duplicate name ${JSON.stringify(twice)} in ${key}`);
  }
  if (dir !== undefined) resolveUserPaths(config.users, dir);
  const deferred = new Map<string, TokenFile>();
  const users = Array.isArray(config.users) ? config.users.map((entry) => withoutTokenFile(entry, deferred)) : config.users;
  const kc = new KubeConfig();
  try {
    // client-node builds entries from text only: the document with its paths resolved, as JSON (which is YAML).
    kc.loadFromString(JSON.stringify({ clusters: config.clusters, users, contexts: config.contexts, "current-context": config["current-context"] }), { onInvalidEntry: "throw" });
  } catch (e) {
    throw malformed(label, e, fail);
  }
  for (const user of kc.users) {
    const file = deferred.get(user.name);
    if (file !== undefined) tokenFiles.set(user, file);
  }
  if (dir !== undefined) kc.makePathsAbsolute(dir); // certificate-authority, client-certificate, client-key
  return kc;
}

/**
 * Several files' entries as one: per name, the first file's cluster, user and context win and a later
 * namesake is ignored; the current context is that of the first file that names one (kubectl's rules).
 */
export function mergeFirstWins(configs: readonly KubeConfig[]): KubeConfig {
  const firsts = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>();
    for (const list of lists) for (const x of list) if (!byName.has(x.name)) byName.set(x.name, x);
    return [...byName.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firsts(configs.map((c) => c.clusters)),
    users: firsts(configs.map((c) => c.users)),
    contexts: firsts(configs.map((c) => c.contexts)),
    currentContext: configs.find((c) => c.currentContext)?.currentContext ?? "",
  });
  return merged;
}

/** A user's token file, by the field that named it: `tokenFile` (kubectl's) or `token-file` (client-node's). */
interface TokenFile {
  field: string;
  file: string;
}

/** The token file of each loaded user that has one, read by `withTokenFromFile`. */
const tokenFiles = new WeakMap<User, TokenFile>();

/** A users entry without its token file, noted in `deferred` by user name: read per context, not while loading. */
function withoutTokenFile(entry: unknown, deferred: Map<string, TokenFile>): unknown {
  const { name, user } = (entry ?? {}) as { name?: unknown; user?: Record<string, unknown> | null };
  if (!user || typeof user !== "object" || (user.tokenFile === undefined && user["token-file"] === undefined)) return entry;
  const { tokenFile, "token-file": alias, ...rest } = user;
  const [field, file] = tokenFile !== undefined ? ["tokenFile", tokenFile] : ["token-file", alias];
  if (typeof name === "string" && typeof file === "string" && file !== "") deferred.set(name, { field, file });
  return { ...(entry as object), user: rest };
}

/**
 * `user` with its token file's token, read now: each time a context is built, so a rotated token (a
 * projected service-account token) is picked up. As in client-go, the file's token wins over `token`,
 * which is used only while the file cannot be read; without one, that fails only this context.
 */
export function withTokenFromFile(user: User, context: string): User {
  const tokenFile = tokenFiles.get(user);
  if (tokenFile === undefined) return user;
  const { field, file } = tokenFile;
  let token: string;
  try {
    token = readFileSync(file, "utf8").trim(); // as client-go reads it
  } catch (e) {
    if (user.token) return user;
    throw new CredentialError("error", `context ${JSON.stringify(context)} user ${JSON.stringify(user.name)}: cannot read ${field} ${file} (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  return { ...user, token };
}

/**
 * tokenFile (token-file) and an exec command holding a path separator (./bin/plugin, not a name looked up on PATH)
 * are relative to the kubeconfig's directory, as client-go resolves them.
 */
function resolveUserPaths(users: unknown, dir: string): void {
  const resolve = (p: unknown): unknown => (typeof p === "string" && p !== "" && !path.isAbsolute(p) ? path.join(dir, p) : p);
  for (const entry of Array.isArray(users) ? users : []) {
    const user = (entry as { user?: Record<string, unknown> } | null)?.user;
    if (!user || typeof user !== "object") continue;
    for (const field of ["tokenFile", "token-file"]) if (user[field] !== undefined) user[field] = resolve(user[field]);
    const exec = user.exec as { command?: unknown } | null | undefined;
    if (exec && typeof exec.command === "string" && exec.command.includes(path.sep)) exec.command = resolve(exec.command);
  }
}

/** The first name a list's entries give twice, if any. */
function duplicateName(list: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (const entry of Array.isArray(list) ? list : []) {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== "string") continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Where the text stops being YAML, never what the parser quotes of it (a tag, an alias, an excerpt: a token's text). */
function notYaml(e: unknown): string {
  const line = (e as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
  return `not YAML${line ? ` (line ${line})` : ""}`;
}

function malformed(label: string, e: unknown, fail: (message: string) => Error): Error {
  // The first line only, never the excerpt of the file below it (a kubeconfig holds tokens and keys).
  const line = ((e as Error).message ?? String(e)).split("\n", 1)[0]!.replace(/:$/, "");
  // "malformed kubeconfig /path: …" for a file; "the kubeconfig from … is not a valid kubeconfig (…)" for text from ARM or Key Vault.
  return fail(label.startsWith("kubeconfig ") ? `malformed ${label}: ${line}` : `${label} is not a valid kubeconfig (${line})`);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}
