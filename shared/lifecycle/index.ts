export { ReleaseStack } from './release-stack.js';
