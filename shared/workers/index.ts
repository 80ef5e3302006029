export { startModuleWorker } from './start-module-worker.js';
