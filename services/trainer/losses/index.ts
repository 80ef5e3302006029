export { ntXentLoss } from './nt-xent.js';
export { simSiamLoss, negativeCosine } from './simsiam-loss.js';
export { stopGradient } from './stop-gradient.js';
