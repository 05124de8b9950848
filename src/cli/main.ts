export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`fleet-audit: not built yet (${argv.join(" ")})\n`);
  return 1;
}
