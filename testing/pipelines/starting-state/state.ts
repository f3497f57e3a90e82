export { handler } from '../../../pipeline/handlers/state';
