// Bearer tokens handed to us (FLEET_AUDIT_*_TOKEN) as the AccessToken a credential gives out.
import type { AccessToken } from "@azure/core-auth";

/** A JWT's `exp`, else an hour from now (the usual Entra ID lifetime). */
export function expiryOf(token: string): number {
  const payload = token.split(".")[1];
  if (payload) {
    try {
      const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
      if (typeof exp === "number") return exp * 1000;
    } catch {
      // not a JWT: fall through
    }
  }
  return Date.now() + 3600_000;
}

/** A given token that has expired: nothing can renew it, and sending it would only be refused (as a 401, saying less). */
class GivenTokenExpiredError extends Error {
  constructor(variable: string, expiresOnTimestamp: number) {
    super(`${variable} expired at ${new Date(expiresOnTimestamp).toISOString()}`);
    this.name = "GivenTokenExpiredError";
  }
}

/** A given token, expiring when it says; `variable` names it if it already has. */
export function givenAccessToken(token: string, variable: string): AccessToken {
  const expiresOnTimestamp = expiryOf(token);
  if (expiresOnTimestamp <= Date.now()) throw new GivenTokenExpiredError(variable, expiresOnTimestamp);
  return { token, expiresOnTimestamp, tokenType: "Bearer" };
}
