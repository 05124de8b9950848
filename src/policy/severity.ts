// The severity schema of the policy file, shared by its rule sections and its alerts section so a
// bad value reads the same wherever it is written.
import { z } from "zod";
import { SEVERITIES } from "../model/finding.js";
import { anyCase } from "./any-case.js";

export const severitySchema = anyCase(z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(", ")}` }));
