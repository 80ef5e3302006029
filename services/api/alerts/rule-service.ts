import type { AlertRule, AlertRulePatch, AlertStore, NewRuleReference } from '../../../shared/alerts/index.js';
import type { BlobStore } from '../../../shared/blob/index.js';
import type { Config } from '../../../shared/config/index.js';
import { checkWebhookUrl } from '../../../shared/http/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { ModelRegistry } from '../../../shared/model/registry/index.js';
import type { VectorStore } from '../../../shared/store/index.js';
import type { ModelEmbedders } from '../api-deps.js';
import { alertApiError, alertApiErrorCodes } from './alert-api-errors.js';
import type { CreateRuleBody, PatchRuleBody } from './alert-schemas.js';
import { resolveReferenceImages } from './reference-images.js';
import { servingModel } from './serving-model.js';

export interface RuleServiceDeps {
  config: Config;
  log: Logger;
  store: VectorStore;
  blobs: BlobStore;
  alerts: AlertStore;
  models: ModelRegistry;
  embedders: ModelEmbedders;
}

/**
 * Alert rule CRUD with the rules of the contract the store cannot know: references given as tile ids or uploads
 * are turned into image bytes, embedded once with the serving model and their vectors stored for the rule's
 * revision (so the alerter scores the very next tile without embedding anything), and webhook URLs are checked
 * against SSRF (DNS included) before a rule may point at them. Bad input fails before anything is written.
 */
export class RuleService {
  constructor(private readonly deps: RuleServiceDeps) {}

  list(): Promise<AlertRule[]> {
    return this.deps.alerts.listRules();
  }

  async get(id: string): Promise<AlertRule> {
    const rule = await this.deps.alerts.getRule(id);
    if (rule === undefined) throw ruleNotFound(id);
    return rule;
  }

  async create(body: CreateRuleBody, now = new Date()): Promise<{ rule: AlertRule; webhookSecret: string }> {
    if (body.webhookUrl !== undefined) await this.checkWebhook(body.webhookUrl);
    const { model, references, vectors } = await this.embedReferences(body.references);
    const created = await this.deps.alerts.createRule(
      {
        name: body.name,
        references,
        threshold: body.threshold,
        filter: body.filter ?? undefined,
        cooldownSeconds: body.cooldownSeconds,
        webhookUrl: body.webhookUrl,
        enabled: body.enabled,
      },
      now,
    );
    await this.deps.alerts.putReferenceVectors(created.rule.id, model, created.rule.revision, vectors);
    return created;
  }

  async update(id: string, body: PatchRuleBody, now = new Date()): Promise<AlertRule> {
    const before = await this.get(id);
    if (body.webhookUrl !== undefined && body.webhookUrl !== null) await this.checkWebhook(body.webhookUrl);
    const embedded = body.references === undefined ? undefined : await this.embedReferences(body.references);
    const patch: AlertRulePatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (embedded !== undefined) patch.references = embedded.references;
    if (body.threshold !== undefined) patch.threshold = body.threshold;
    if (body.filter !== undefined) patch.filter = body.filter;
    if (body.cooldownSeconds !== undefined) patch.cooldownSeconds = body.cooldownSeconds;
    if (body.webhookUrl !== undefined) patch.webhookUrl = body.webhookUrl;
    if (body.enabled !== undefined) patch.enabled = body.enabled;
    const rule = await this.deps.alerts.updateRule(id, patch, now);
    if (rule === undefined) throw ruleNotFound(id); // deleted meanwhile
    if (embedded !== undefined) {
      await this.deps.alerts.putReferenceVectors(id, embedded.model, rule.revision, embedded.vectors);
    } else {
      await this.carryVectors(rule, before.revision);
    }
    return rule;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.deps.alerts.deleteRule(id))) throw ruleNotFound(id);
  }

  /**
   * Vectors are kept per revision, so an update that leaves the references alone (a new threshold, a rename)
   * would leave the new revision without any: the old revision's are the same images under the same model,
   * so they are copied; when there are none for the serving model (it changed), the stored images are embedded.
   */
  private async carryVectors(rule: AlertRule, previousRevision: number): Promise<void> {
    const { model } = await servingModel(this.deps);
    const previous = await this.deps.alerts.getReferenceVectors(rule.id, model, previousRevision);
    const vectors =
      previous ??
      (await this.deps.embedders.embed(
        model,
        (await this.deps.alerts.referenceImages(rule.id)).map((image, i) => ({
          label: `references[${i}] (${image.label})`,
          bytes: image.bytes,
        })),
      ));
    await this.deps.alerts.putReferenceVectors(rule.id, model, rule.revision, vectors);
  }

  private async embedReferences(
    inputs: CreateRuleBody['references'],
  ): Promise<{ model: string; references: NewRuleReference[]; vectors: Float32Array[] }> {
    const serving = await servingModel(this.deps);
    const { references, embedLabels } = await resolveReferenceImages(
      this.deps,
      serving.collection,
      inputs,
      this.deps.config.api.uploadLimitBytes,
    );
    const vectors = await this.deps.embedders.embed(
      serving.model,
      references.map((r, i) => ({ label: embedLabels[i], bytes: r.bytes })),
    );
    return { model: serving.model, references, vectors };
  }

  private async checkWebhook(url: string): Promise<void> {
    await checkWebhookUrl(url, { allowPrivate: this.deps.config.alerter.webhook.allowPrivate });
  }
}

function ruleNotFound(id: string) {
  return alertApiError(alertApiErrorCodes.ruleNotFound, `no alert rule with id ${id}`);
}
