import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** A table prefix no other test uses (tables are shared through one Azurite). */
export function uniquePrefix(): string {
  return "t" + randomBytes(5).toString("hex");
}

export function azurite(): string {
  return inject("azuriteConnectionString");
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection<E = Error>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error("expected a rejection");
}
