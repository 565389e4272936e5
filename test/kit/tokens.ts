/**
 * Tokens exactly like the local login's (the edge signs them with issueToken),
 * for any user and lifetime, signed with the local stack's demo secret and
 * claims: the bench's many synthetic customers, a test's short-lived token.
 * Loads the stack's topology: a program on another stack instance binds to it
 * first (tools/stack/instance.ts).
 */
import { issueToken, type AuthUser } from '@baedal/platform/auth';
import { appByName, appEnv } from '../../tools/stack/topology.ts';

export function localToken(user: AuthUser, ttlSeconds?: number): Promise<string> {
  const edge = appByName('edge');
  if (!edge) throw new Error('the stack has no edge');
  const env = appEnv(edge);
  const auth = {
    secret: env.JWT_SECRET,
    jwksUrl: undefined,
    issuer: env.JWT_ISSUER ?? '',
    audience: env.JWT_AUDIENCE ?? '',
  };
  return issueToken(auth, user, ttlSeconds);
}
