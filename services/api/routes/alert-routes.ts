import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  ALERT_STREAM_HEADERS,
  AlertHistory,
  AlertStreams,
  RuleService,
  alertIdParamsSchema,
  alertsReplySchema,
  createRuleBodySchema,
  createRuleReplySchema,
  deliveriesReplySchema,
  listAlertsQuerySchema,
  patchRuleBodySchema,
  ruleIdParamsSchema,
  ruleReplySchema,
  rulesReplySchema,
  streamHeadersSchema,
  streamQuerySchema,
  toRuleJson,
} from '../alerts/index.js';

const tags = ['alerts'];

/**
 * /v1/alerts/*: reference-event rules (CRUD), the alert history, its live stream (server-sent events) and the
 * webhook delivery log (api-contract.md "Alerts"). Handlers are one call into RuleService / AlertHistory /
 * AlertStreams; reads need the read role, rule changes the write role.
 */
export const alertRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const rules = new RuleService(deps);
  const history = new AlertHistory(deps.alerts);
  const streams = new AlertStreams(deps.alerts, deps.log.child({ route: 'alerts/stream' }));
  // an open stream holds its connection (and so app.close()) until it ends: end them all first
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', async () => streams.closeAll());

  app.get(
    '/v1/alerts/rules',
    {
      config: { role: 'read' },
      schema: {
        tags,
        summary: 'List alert rules',
        response: { 200: rulesReplySchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async () => ({ rules: (await rules.list()).map(toRuleJson) }),
  );

  app.post(
    '/v1/alerts/rules',
    {
      config: { role: 'write' },
      schema: {
        tags,
        summary: 'Create an alert rule (references embedded with the serving model)',
        body: createRuleBodySchema,
        response: { 201: createRuleReplySchema, ...errorResponses(400, 404, 409, 413, ...AUTH_ERRORS, 503) },
      },
    },
    async (req, reply) => {
      const { rule, webhookSecret } = await rules.create(req.body);
      return reply.code(201).send({ rule: toRuleJson(rule), webhookSecret });
    },
  );

  app.get(
    '/v1/alerts/rules/:id',
    {
      config: { role: 'read' },
      schema: {
        tags,
        summary: 'One alert rule',
        params: ruleIdParamsSchema,
        response: { 200: ruleReplySchema, ...errorResponses(400, 404, ...AUTH_ERRORS) },
      },
    },
    async (req) => ({ rule: toRuleJson(await rules.get(req.params.id)) }),
  );

  app.patch(
    '/v1/alerts/rules/:id',
    {
      config: { role: 'write' },
      schema: {
        tags,
        summary: 'Change an alert rule (its revision grows by one)',
        params: ruleIdParamsSchema,
        body: patchRuleBodySchema,
        response: { 200: ruleReplySchema, ...errorResponses(400, 404, 409, 413, ...AUTH_ERRORS, 503) },
      },
    },
    async (req) => ({ rule: toRuleJson(await rules.update(req.params.id, req.body)) }),
  );

  app.delete(
    '/v1/alerts/rules/:id',
    {
      config: { role: 'write' },
      schema: {
        tags,
        summary: 'Delete an alert rule (its alert history stays)',
        params: ruleIdParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses(400, 404, ...AUTH_ERRORS) },
      },
    },
    async (req, reply) => {
      await rules.remove(req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/alerts',
    {
      config: { role: 'read' },
      schema: {
        tags,
        summary: 'The alert history, oldest first',
        querystring: listAlertsQuerySchema,
        response: { 200: alertsReplySchema, ...errorResponses(400, ...AUTH_ERRORS, 503) },
      },
    },
    async (req) => history.page(req.query),
  );

  app.get(
    '/v1/alerts/stream',
    {
      config: { role: 'read' },
      // a HEAD would open a stream and never end it
      exposeHeadRoute: false,
      schema: {
        tags,
        summary: 'Live alerts (text/event-stream); honours Last-Event-ID',
        querystring: streamQuerySchema,
        headers: streamHeadersSchema,
        response: {
          200: z.string().describe('server-sent events: `id: <alert id>`, `event: alert`, `data: <Alert JSON>`'),
          ...errorResponses(400, ...AUTH_ERRORS, 503),
        },
      },
    },
    async (req, reply) => {
      const lastEventId = req.headers['last-event-id'] || undefined;
      const after = lastEventId ?? req.query.after ?? (await streams.latestId());
      reply.hijack();
      // headers set by hooks (CORS, rate limit) go out too: hijacking bypasses Fastify's reply
      const headers: OutgoingHttpHeaders = { ...ALERT_STREAM_HEADERS };
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined && !(name in headers)) headers[name] = value;
      reply.raw.writeHead(200, headers);
      streams.serve(reply.raw, after);
    },
  );

  app.get(
    '/v1/alerts/:id/deliveries',
    {
      config: { role: 'read' },
      schema: {
        tags,
        summary: 'The webhook delivery log of one alert',
        params: alertIdParamsSchema,
        response: { 200: deliveriesReplySchema, ...errorResponses(400, 404, ...AUTH_ERRORS, 503) },
      },
    },
    async (req) => ({ deliveries: await history.deliveries(req.params.id) }),
  );
};
