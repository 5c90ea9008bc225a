/**
 * Imported first by the browser's entry points (src/hooks.client.ts, the inference worker), before any
 * schema is built. zod probes whether it may compile parsers with `new Function`; under the hub's CSP
 * (no 'unsafe-eval') the probe is refused, which zod survives but the browser reports as a CSP
 * violation on every page. jitless skips the probe; the hub, with no CSP of its own, keeps the JIT.
 */
import { z } from 'zod';

z.config({ jitless: true });
