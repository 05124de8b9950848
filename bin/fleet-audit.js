#!/usr/bin/env node
// The CLI runs from the compiled core; `npm ci` builds it through the `prepare` script.
import { main } from "../dist/src/cli/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
