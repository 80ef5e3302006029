const SECRET_KEY = /(password|secret|token|apikey|api_key)$/i;

/** A copy safe to print: every value under a secret-looking key becomes '****'. */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      SECRET_KEY.test(key) && child !== undefined ? '****' : maskSecrets(child),
    ]),
  ) as T;
}
