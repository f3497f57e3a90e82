export { handler } from '../../../pipeline/solution/map';
