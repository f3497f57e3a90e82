export { handler } from '../../../pipeline/handlers/reduce';
