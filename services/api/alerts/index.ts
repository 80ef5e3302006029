export { alertApiErrorCodes, alertApiError, type AlertApiErrorCode } from './alert-api-errors.js';
export {
  ALERT_ID_PATTERN,
  alertIdParamsSchema,
  alertSchema,
  alertsReplySchema,
  createRuleBodySchema,
  createRuleReplySchema,
  deliveriesReplySchema,
  listAlertsQuerySchema,
  patchRuleBodySchema,
  referenceInputSchema,
  ruleFilterSchema,
  ruleIdParamsSchema,
  ruleReplySchema,
  ruleSchema,
  rulesReplySchema,
  streamHeadersSchema,
  streamQuerySchema,
  type AlertJson,
  type CreateRuleBody,
  type PatchRuleBody,
  type ReferenceInput,
} from './alert-schemas.js';
export { toAlertJson, toDeliveryJson, toRuleJson } from './alert-view.js';
export { decodeBase64Image, resolveReferenceImages, type ResolvedReferences } from './reference-images.js';
export { servingModel, type ServingModel } from './serving-model.js';
export { RuleService, type RuleServiceDeps } from './rule-service.js';
export { AlertHistory } from './alert-history.js';
export {
  ALERT_STREAM_HEADERS,
  AlertStreams,
  alertFrame,
  defaultAlertStreamOptions,
  type AlertStreamOptions,
} from './alert-stream.js';
