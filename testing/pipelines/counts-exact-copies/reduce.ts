export { handler } from '../../../pipeline/solution/reduce';
