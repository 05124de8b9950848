// A cold Functions instance in a fresh Node process: the app's entry point (dist/), then GET requests
// through the HTTP handler with @azure/functions' own request and context objects. Node arguments for
// execFile / packagesLoaded; each request prints one JSON line {path, status, body}.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export function coldFunctionsArgs(paths: string[]): string[] {
  const dist = (p: string) => JSON.stringify(pathToFileURL(path.resolve(`dist/${p}`)).href);
  const fns = JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve("@azure/functions")).href);
  const script = `
    await import(${dist("functions/index.js")});
    const { httpApi } = await import(${dist("functions/handlers/http.js")});
    const fx = await import(${fns});
    const { HttpRequest, InvocationContext } = fx.HttpRequest ? fx : fx.default;
    for (const p of ${JSON.stringify(paths)}) {
      const r = await httpApi(new HttpRequest({ method: "GET", url: "https://fleet-audit.azurewebsites.net" + p }), new InvocationContext({ functionName: "http" }));
      console.log(JSON.stringify({ path: p, status: r.status, body: r.body }));
    }`;
  return ["--input-type=module", "-e", script];
}

/** The JSON lines the requests printed (the package's test-mode warnings go to stderr). */
export function coldResponses(stdout: string): Array<{ path: string; status: number; body: string }> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}
