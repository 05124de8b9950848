// The policy: per-rule thresholds and severity overrides, and waivers. Loaded from YAML by policy/load.
import type { Severity } from "../model/finding.js";

export interface WaiverRule {
  /** Glob-like patterns (`*` wildcard); absent = any. */
  cluster?: string;
  rule?: string;
  resource?: string;
  reason: string;
  /** ISO date; after it the waiver stops applying and the finding says so. */
  expires?: string;
}

export interface Policy {
  thresholds?: Record<string, Record<string, number>>;
  severity?: Record<string, Severity>;
  waivers?: WaiverRule[];
  /** Fleet baseline values (DRF rules); absent keys fall back to the fleet's most common value. */
  baseline?: Record<string, unknown>;
}

export const EMPTY_POLICY: Policy = {};
