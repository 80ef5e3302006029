export { createDeliveryLoop } from './delivery-loop.js';
export type { DeliveryLoop, DeliveryLoopDeps, DeliveryLoopOptions } from './delivery-loop.js';
export { postWebhook } from './post-webhook.js';
export type { WebhookRequest, WebhookResponse } from './post-webhook.js';
export { webhookBody } from './webhook-body.js';
export type { WebhookBody } from './webhook-body.js';
