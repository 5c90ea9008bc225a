// The seed's path for a job's status: the same handler as GET /api/jobs/{id}.
export { GET } from '../../../api/jobs/[id=uuid]/+server';
