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

/** A given token, expiring when it says. */
export function givenAccessToken(token: string): AccessToken {
  return { token, expiresOnTimestamp: expiryOf(token), tokenType: "Bearer" };
}
