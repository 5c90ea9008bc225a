// The last step of `npm run build`: records which inputs build/ was made from (build-inputs.js), so
// `npm start` can skip the build while they are unchanged. A build that failed or was interrupted never
// gets here, and adapter-node removed the previous stamp at its start, so the next `npm start` builds.
// (An input edited while the build ran is stamped as built; `npm run build` again after such an edit.)
import { writeFileSync } from 'node:fs';
import { inputsHash, STAMP } from './build-inputs.js';

// The working directory, as for the build's other steps: npm runs them in the project's root.
writeFileSync(STAMP, `${inputsHash('.')}\n`);
