#!/usr/bin/env node
// CLI entry: load the TypeScript sources through tsx and hand over to src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
