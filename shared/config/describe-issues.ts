import type { z } from 'zod';

/**
 * One line per problem: `<key as the user wrote it>=<value>: <what is allowed>`. `name` turns the key's
 * path into what the user typed (an environment variable, a key in a file; `formatKey` by default); an
 * unknown key is reported under its own name, so a typo reads as the typo.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  name: (path: string[]) => string = formatKey,
): string[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const full = [...at, key];
        return `${name(full)}=${show(getPath(input, full))}: unknown key${at.length ? ` (not a setting of ${formatKey(at)})` : ''}`;
      });
    }
    return [`${name(at)}=${show(getPath(input, at))}: ${issue.message}`];
  });
}

/** ['harvester', 'jobs', '0', 'levels'] → 'harvester.jobs[0].levels'; [] → '(root)' */
export function formatKey(path: readonly string[]): string {
  if (path.length === 0) return '(root)';
  return path.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

function getPath(tree: unknown, keys: readonly string[]): unknown {
  let node = tree;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
