import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** A table prefix no other test uses (tables are shared through one Azurite). */
export function uniquePrefix(): string {
  return "t" + randomBytes(5).toString("hex");
}

export function azurite(): string {
  return inject("azuriteConnectionString");
}
