// An Azure identity's failure to give a token, in one line, wherever a token was asked for (ARM, Key
// Vault, AKS, the store). Apart from credential.ts so the store can use it without loading @azure/identity.

const IDENTITY_ERRORS: ReadonlySet<string> = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);

/** A credential of a chain that was not there to try (no CLI, no VS Code sign-in, no environment). */
const UNAVAILABLE = /\bis (?:un|not )available\b|could not be found|couldn't be found|Unable to execute/i;

/**
 * The Azure identity's own failure (no token to send, so nothing was asked of ARM, Key Vault, the
 * cluster or the store) as `no token from the Azure identity (…)`, one line; undefined for any other error.
 * DefaultAzureCredential's message lists every credential of its chain over many lines: the one that
 * really tried (e.g. the managed identity) says what went wrong.
 */
export function identityErrorText(e: unknown): string | undefined {
  const err = e as { name?: unknown; message?: unknown; errors?: unknown } | null;
  if (typeof err?.name !== "string" || !isIdentityError(err.name)) return undefined;
  const chain = Array.isArray(err.errors) ? (err.errors as Array<{ message?: unknown }>) : [];
  const tried = chain.find((x) => !UNAVAILABLE.test(String(x?.message ?? ""))) ?? chain[0] ?? err;
  const first = String(tried.message ?? "").split("\n", 1)[0]!.trim();
  return `no token from the Azure identity (${err.name}${first ? `: ${first.length > 300 ? `${first.slice(0, 300)}…` : first}` : ""})`;
}

/** Whether an error's name (a StoreError's `code`) is an Azure identity's failure to give a token. */
export function isIdentityError(name: string | undefined): boolean {
  return name !== undefined && IDENTITY_ERRORS.has(name);
}
