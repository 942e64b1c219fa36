// Who is calling: the signed-in user behind an API token.
import type { Role } from '../domain/roles.js';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  tokenId: string;
  mustChangePassword: boolean;
}

/** The actor string written to audit records. */
export const actorOf = (p: Principal | undefined) => (p ? `user:${p.username}` : 'system');
