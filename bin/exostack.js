#!/usr/bin/env node
// The `exostack` command (`npx exostack …` in a checkout): runs the TypeScript CLI in src/lib/cli through tsx.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/lib/cli/main.ts');
await run();
