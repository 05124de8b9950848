// What process.emitWarning said while some code ran: Node prints each warning on stderr, so a library's
// warning that quotes its input (the yaml parser's excerpts) puts that input in a log.

export async function warningsDuring<T>(run: () => T | Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const listen = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", listen);
  try {
    const result = await run();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off("warning", listen);
  }
}
