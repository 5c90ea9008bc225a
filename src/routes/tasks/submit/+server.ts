// The seed's path for submitting a job (the seed called a job a task): the same handler as POST /api/jobs.
export { POST } from '../../api/jobs/+server';
