type LanceModule = typeof import('@lancedb/lancedb');

let loading: Promise<LanceModule> | undefined;

/**
 * The LanceDB module, loaded on first use. Its Rust core logs warnings (deprecations, "no existing dataset")
 * straight to stderr through env_logger, configured once from LANCEDB_LOG when the native module loads; so
 * the level defaults to `error` before the load, unless the operator chose one. This is the only reason the
 * module is loaded lazily: import it nowhere else except for types.
 */
export function loadLance(): Promise<LanceModule> {
  if (!loading) {
    process.env.LANCEDB_LOG ??= 'error';
    loading = import('@lancedb/lancedb');
  }
  return loading;
}
