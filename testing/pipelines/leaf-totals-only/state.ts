export { handler } from '../../../pipeline/solution/state';
