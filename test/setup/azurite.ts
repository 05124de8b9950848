// One in-memory Azurite for the whole run; tests reach it through inject("azuriteConnectionString")
// and keep apart by table prefix.
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../src/store/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
