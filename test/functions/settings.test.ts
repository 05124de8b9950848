// App settings are read by group, each by the functions that use it; a bad one names itself.
import { describe, expect, it } from "vitest";
import { readCollectSettings } from "../../functions/settings.js";

describe("readCollectSettings", () => {
  it("accepts FLEET_AUDIT_PARSE_WORKERS from 0 and names a bad value", () => {
    expect(() => readCollectSettings({ FLEET_AUDIT_PARSE_WORKERS: "0" })).not.toThrow();
    expect(() => readCollectSettings({ FLEET_AUDIT_PARSE_WORKERS: "-1" })).toThrow('app setting FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not "-1"');
  });
});
