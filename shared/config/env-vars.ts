import { GIBS_MAX_CONCURRENCY } from '../gibs/index.js';

/**
 * Environment variables and the config keys they set. One table, so `gibs-embed config` and the README can
 * list them and an error can name the variable the user actually typed.
 */
export type EnvParser = 'string' | 'number' | 'boolean' | 'list' | 'json';

export interface EnvVar {
  name: string;
  /** dotted path into the config object */
  key: string;
  parse: EnvParser;
  help: string;
}

export const envVars: EnvVar[] = [
  {
    name: 'GIBS_EMBED_DATA_DIR',
    key: 'dataDir',
    parse: 'string',
    help: 'where the embedded defaults keep their files',
  },
  { name: 'LOG_LEVEL', key: 'log.level', parse: 'string', help: 'fatal|error|warn|info|debug|trace|silent' },
  {
    name: 'LOG_PRETTY',
    key: 'log.pretty',
    parse: 'boolean',
    help: 'human-readable logs (default: when stderr is a TTY)',
  },
  { name: 'OPS_HOST', key: 'ops.host', parse: 'string', help: 'bind address of /metrics and /healthz' },
  { name: 'OPS_PORT', key: 'ops.port', parse: 'number', help: 'port of /metrics and /healthz (0 = any free port)' },
  {
    name: 'BUS_KIND',
    key: 'bus.kind',
    parse: 'string',
    help: 'sqlite (embedded) or kafka (default: kafka when KAFKA_BROKERS is set, else sqlite)',
  },
  {
    name: 'BUS_PATH',
    key: 'bus.path',
    parse: 'string',
    help: 'SQLite bus file (default DATA_DIR/bus.db); implies BUS_KIND=sqlite',
  },
  { name: 'BUS_PARTITIONS', key: 'bus.partitions', parse: 'number', help: 'partitions of new topics' },
  {
    name: 'KAFKA_BROKERS',
    key: 'bus.brokers',
    parse: 'list',
    help: 'comma-separated host:port; setting it selects the Kafka bus',
  },
  { name: 'KAFKA_CLIENT_ID', key: 'bus.clientId', parse: 'string', help: 'Kafka client id' },
  { name: 'KAFKA_SSL', key: 'bus.ssl', parse: 'boolean', help: 'TLS to the brokers' },
  {
    name: 'KAFKA_SASL_MECHANISM',
    key: 'bus.sasl.mechanism',
    parse: 'string',
    help: 'plain|scram-sha-256|scram-sha-512',
  },
  { name: 'KAFKA_SASL_USERNAME', key: 'bus.sasl.username', parse: 'string', help: 'SASL user' },
  { name: 'KAFKA_SASL_PASSWORD', key: 'bus.sasl.password', parse: 'string', help: 'SASL password (masked in output)' },
  {
    name: 'BLOB_STORE_DIR',
    key: 'blobs.root',
    parse: 'string',
    help: 'tile and artefact store folder (default DATA_DIR/blobs); implies the fs store (the only kind)',
  },
  {
    name: 'STORE_KIND',
    key: 'store.kind',
    parse: 'string',
    help: 'lancedb (embedded) or qdrant (default: qdrant when QDRANT_URL is set, else lancedb)',
  },
  {
    name: 'STORE_PATH',
    key: 'store.path',
    parse: 'string',
    help: 'embedded vector store folder (default DATA_DIR/vectors); implies STORE_KIND=lancedb',
  },
  {
    name: 'STORE_EXACT_BELOW',
    key: 'store.exactBelowSelectivity',
    parse: 'number',
    help: 'embedded store: search exactly when a filter keeps at most this fraction of the points',
  },
  {
    name: 'QDRANT_URL',
    key: 'store.url',
    parse: 'string',
    help: 'Qdrant REST URL; setting it selects the Qdrant store',
  },
  { name: 'QDRANT_API_KEY', key: 'store.apiKey', parse: 'string', help: 'Qdrant API key (masked in output)' },
  {
    name: 'GIBS_BASE_URL',
    key: 'gibs.baseUrl',
    parse: 'string',
    help: 'GIBS endpoint; point it at `gibs-embed replay` for local runs',
  },
  { name: 'GIBS_USER_AGENT', key: 'gibs.userAgent', parse: 'string', help: 'User-Agent sent to GIBS' },
  {
    name: 'GIBS_CONCURRENCY',
    key: 'gibs.concurrency',
    parse: 'number',
    help: `parallel tile requests (1-${GIBS_MAX_CONCURRENCY})`,
  },
  { name: 'GIBS_TIMEOUT_MS', key: 'gibs.timeoutMs', parse: 'number', help: 'per-request timeout' },
  { name: 'GIBS_MAX_MBPS', key: 'gibs.maxMbps', parse: 'number', help: 'bandwidth cap in megabits/s (≤ 50)' },
  { name: 'GIBS_RETRIES', key: 'gibs.retries', parse: 'number', help: 'retries per tile after the first attempt' },
  { name: 'HARVEST_ENABLED', key: 'harvester.enabled', parse: 'boolean', help: 'run the harvester in `start`' },
  {
    name: 'HARVEST_SCHEDULE',
    key: 'harvester.schedule',
    parse: 'string',
    help: 'cron expression of the daily harvest',
  },
  { name: 'HARVEST_TIMEZONE', key: 'harvester.timezone', parse: 'string', help: 'time zone of the schedule' },
  { name: 'HARVEST_LAG_DAYS', key: 'harvester.lagDays', parse: 'number', help: 'harvest today minus this many days' },
  {
    name: 'HARVEST_CATCH_UP_DAYS',
    key: 'harvester.catchUpDays',
    parse: 'number',
    help: 'also fetch what is missing of this many earlier days',
  },
  { name: 'HARVEST_RUN_ON_START', key: 'harvester.runOnStart', parse: 'boolean', help: 'harvest once at start-up too' },
  { name: 'HARVEST_JOBS', key: 'harvester.jobs', parse: 'json', help: 'JSON list of {layer, tms?, levels, bbox?}' },
  { name: 'MODEL_INPUT_SIZE', key: 'model.inputSize', parse: 'number', help: 'encoder input size in pixels' },
  {
    name: 'MODEL_REGISTRY_DIR',
    key: 'model.registryDir',
    parse: 'string',
    help: 'model registry folder (default DATA_DIR/models): `train` registers into it, --init/--checkpoint take its ids',
  },

  { name: 'EMBED_ENABLED', key: 'embedder.enabled', parse: 'boolean', help: 'run the embedder in `start`' },
  { name: 'EMBED_BATCH_SIZE', key: 'embedder.batchSize', parse: 'number', help: 'tiles per micro-batch' },
  {
    name: 'EMBED_LINGER_MS',
    key: 'embedder.lingerMs',
    parse: 'number',
    help: 'longest wait for a micro-batch to fill',
  },
  {
    name: 'EMBED_PROVIDER',
    key: 'embedder.executionProvider',
    parse: 'string',
    help: 'cpu|cuda|webgpu (falls back to cpu with a warning)',
  },
  { name: 'TRAIN_ENABLED', key: 'trainer.enabled', parse: 'boolean', help: 'run the trainer in `start`' },
  { name: 'TRAIN_SCHEDULE', key: 'trainer.schedule', parse: 'string', help: 'cron expression of the fine-tuning run' },
  {
    name: 'TRAIN_PROMOTION_MARGIN',
    key: 'trainer.promotionMargin',
    parse: 'number',
    help: 'gate score a candidate must gain over the serving model',
  },
  {
    name: 'TRAINER_BACKEND',
    key: 'trainer.backend',
    parse: 'string',
    help: 'wasm (tfjs worker threads) or torch (PyTorch ranks; needs a Python with torch)',
  },
  { name: 'TRAINER_DEVICE', key: 'trainer.device', parse: 'string', help: 'torch backend: cpu or cuda' },
  {
    name: 'TRAINER_WORKERS',
    key: 'trainer.workers',
    parse: 'number',
    help: 'data-parallel workers: wasm worker threads, or torch ranks (one per GPU on cuda)',
  },
  {
    name: 'TRAINER_PYTHON',
    key: 'trainer.python',
    parse: 'string',
    help: 'torch backend: the Python that imports torch (default /usr/bin/python3)',
  },
  { name: 'ALERT_ENABLED', key: 'alerter.enabled', parse: 'boolean', help: 'run the alerter in `start`' },
  {
    name: 'ALERT_MAX_AGE_DAYS',
    key: 'alerter.maxAgeDays',
    parse: 'number',
    help: 'tiles dated more days back than this never alert (default: HARVEST_LAG_DAYS + HARVEST_CATCH_UP_DAYS)',
  },
  {
    name: 'ALERT_WEBHOOK_ALLOW_PRIVATE',
    key: 'alerter.webhook.allowPrivate',
    parse: 'boolean',
    help: 'allow webhooks to loopback, private and link-local addresses (refused by default: SSRF)',
  },
  { name: 'API_ENABLED', key: 'api.enabled', parse: 'boolean', help: 'serve the HTTP API and the page in `start`' },
  { name: 'API_HOST', key: 'api.host', parse: 'string', help: 'address the API listens on' },
  { name: 'API_PORT', key: 'api.port', parse: 'number', help: 'port of the API and the page (0 = any free port)' },
  {
    name: 'API_OPEN_READS',
    key: 'api.openReads',
    parse: 'string',
    help: 'reads without an API key: loopback|always|never (writes always need a key)',
  },
  { name: 'API_RATE_LIMIT', key: 'api.rateLimit', parse: 'number', help: 'requests per client per minute (0 = off)' },
  { name: 'API_CORS_ORIGINS', key: 'api.corsOrigins', parse: 'list', help: 'origins allowed by CORS, comma-separated' },
];
