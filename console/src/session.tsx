// Who is signed in: the session the API knows of (cookie), its user and role, and what that role may do.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { type Session, sessionSchema } from '../../src/contract/auth.js';
import { can, type Permission, roleNames, roles } from '../../src/domain/roles.js';
import { ApiError, api, setCsrfToken } from './api.js';

export const sessionKey = ['session'] as const;

export async function loadSession(): Promise<Session | null> {
  try {
    const s = await api.get('/api/v1/auth/session', { schema: sessionSchema });
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useSessionQuery() {
  return useQuery({ queryKey: sessionKey, queryFn: loadSession, staleTime: Number.POSITIVE_INFINITY });
}

export function useSetSession() {
  const qc = useQueryClient();
  return (s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    qc.setQueryData(sessionKey, s);
    // Whatever the last user could read leaves the page with them.
    if (!s) qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
  };
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether the signed-in role may take an action, and the reason to show when it may not. */
export function usePermission(permission: Permission): { allowed: boolean; reason: string } {
  const { user } = useSession();
  const allowed = can(user.role, permission);
  return {
    allowed,
    reason: allowed ? '' : `The ${roleNames[user.role]} role may not do this (needs ${permission}).`,
  };
}

/** The roles that have a permission, in words: "Administrator, Author and Operator". */
export function rolesThatMay(permission: Permission): string {
  const names = roles.filter((r) => can(r, permission)).map((r) => roleNames[r]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
}
