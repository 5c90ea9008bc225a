// The seed's path for the connected volunteers: the same handler as GET /api/nodes.
export { GET } from '../../api/nodes/+server';
