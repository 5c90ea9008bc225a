/** Every operation of the REST contract, in one list: what the OpenAPI document, the client and the route check read. */
import { HUB_OPERATIONS } from './hub-operations';
import { JOB_OPERATIONS } from './jobs-operations';
import { PEOPLE_OPERATIONS } from './people-operations';

export const OPERATIONS = [...JOB_OPERATIONS, ...PEOPLE_OPERATIONS, ...HUB_OPERATIONS] as const;
