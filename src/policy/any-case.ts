// Names the policy file takes in any case (`Critical`, `Teams`), as the command line takes them.
import { z } from "zod";

/** `schema` of lower-case names, taking a value in any case and keeping the canonical lower-case name. */
export function anyCase<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() : v), schema);
}
