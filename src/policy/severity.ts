// The severity schema of the policy file, shared by its rule sections and its alerts section so a
// bad value reads the same wherever it is written.
import { z } from "zod";
import { SEVERITIES } from "../model/finding.js";

// In any case (`Critical`), as the command line takes it; kept as the canonical lower-case name.
export const severitySchema = z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() : v), z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(", ")}` }));
