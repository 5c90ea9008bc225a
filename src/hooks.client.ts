// Before any page module builds a zod schema: see zod-jitless.ts.
import '$lib/protocol/zod-jitless';
