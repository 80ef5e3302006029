/** What a key may do; each role includes the ones before it (read < write < admin). */
export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: a key's role, or nobody in particular. */
export interface Identity {
  role: Role | 'anonymous';
  keyId: string | null;
}

export const ANONYMOUS: Identity = Object.freeze({ role: 'anonymous', keyId: null });

/** Whether `have` includes `need` (admin ⊇ write ⊇ read). */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The role a route needs (read routes may be open without a key, per api.openReads). `identify`: anyone may
     * call it, and a key, when sent, is checked and named (whoami). No role: no auth at all (ops, docs, page).
     */
    role?: Role | 'identify';
  }
  interface FastifyRequest {
    /** set by the auth hook on routes that declare a role */
    identity: Identity;
  }
}
