// App settings are read whole at the first invocation; a bad one names itself.
import { describe, expect, it } from "vitest";
import { readSettings } from "../../functions/settings.js";

const BASE = { AzureWebJobsStorage: "UseDevelopmentStorage=true", FLEET_AUDIT_SUBSCRIPTIONS: "all" };

describe("readSettings", () => {
  it("accepts FLEET_AUDIT_PARSE_WORKERS from 0 and names a bad value", () => {
    expect(() => readSettings({ ...BASE, FLEET_AUDIT_PARSE_WORKERS: "0" })).not.toThrow();
    expect(() => readSettings({ ...BASE, FLEET_AUDIT_PARSE_WORKERS: "-1" })).toThrow('app setting FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not "-1"');
  });
});
