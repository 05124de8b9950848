// Where the Table (and queue) storage is: a connection string (Azurite, shared keys), or a storage
// account's service URL and an Entra ID identity. The second is how infra/ deploys it: shared keys
// disabled, so the CLI reaches the Functions app's history only that way.
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { UsageError } from "../errors.js";
import { givenAccessToken } from "../token-expiry.js";
import { tableClientOptions, tableClients } from "./table-store.js";

export type StorageTarget = { connectionString: string } | { tableServiceUri: string; queueServiceUri?: string; credential: TokenCredential };

/**
 * `--storage` as a URL: the Table service endpoint (`https://<account>.table.core.windows.net`, or an
 * emulator's `https://host:port/<account>`). Undefined when the value is not a URL (a connection
 * string). The queue endpoint follows from an account's table host name only.
 */
export function parseStorageUrl(value: string): { tableServiceUri: string; queueServiceUri?: string } | undefined {
  const v = value.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new UsageError("--storage is neither a connection string nor a valid URL");
  }
  if (url.protocol !== "https:") throw new UsageError(`--storage URL must be https (an identity's token never crosses plain http), not ${url.protocol}`);
  // A SAS in the URL would be a secret in shell history and logs; with shared keys off it cannot work anyway.
  if (url.search || url.hash || url.username || url.password) throw new UsageError("--storage URL must be the bare Table endpoint: no query string, credentials or fragment");
  const path = url.pathname.replace(/\/+$/, "");
  const tableServiceUri = `${url.origin}${path}`;
  const host = url.hostname.split(".");
  if (host[1] !== "table") return { tableServiceUri };
  host[1] = "queue";
  return { tableServiceUri, queueServiceUri: `${url.protocol}//${host.join(".")}${url.port ? `:${url.port}` : ""}${path}` };
}

/**
 * A bearer token a pipeline already holds (FLEET_AUDIT_STORAGE_TOKEN), else DefaultAzureCredential,
 * loaded at the first token: `@azure/identity` costs ~0.5 s to import, which a report over a connection
 * string should not pay.
 */
export function storageCredential(env: NodeJS.ProcessEnv): TokenCredential {
  const token = env.FLEET_AUDIT_STORAGE_TOKEN?.trim();
  if (token) return { getToken: async () => givenAccessToken(token, "FLEET_AUDIT_STORAGE_TOKEN") };
  let credential: Promise<TokenCredential> | undefined;
  return {
    getToken: async (scopes, options) => {
      credential ??= import("@azure/identity").then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

/** TableClients for one target, with the project's retry settings. */
export function tableClientsFor(target: StorageTarget): (tableName: string) => TableClient {
  if ("connectionString" in target) return tableClients(target.connectionString);
  const options = tableClientOptions();
  return (t: string) => new TableClient(target.tableServiceUri, t, target.credential, options);
}
