#!/usr/bin/env node
// The `exostack` command (`npx exostack …` in a clone). The CLI is TypeScript sharing the hub's and the
// volunteers' modules; tsx compiles it on the fly, so there is no separate build step for it.
import { register } from 'tsx/esm/api';

register();
await import('../src/lib/cli/main.ts');
