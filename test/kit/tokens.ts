/**
 * Tokens exactly like the local login's (the edge signs them with issueToken),
 * for any user and lifetime, signed with the local stack's demo secret and
 * claims: the bench's many synthetic customers, a test's short-lived token.
 * Every stack instance signs with the same demo values (topology.ts), so this
 * needs none in particular.
 */
import { issueToken, type AuthUser } from '@baedal/platform/auth';
import { localDemoSecrets, localJwt } from '../../tools/stack/topology.ts';

export function localToken(user: AuthUser, ttlSeconds?: number): Promise<string> {
  const auth = {
    secret: localDemoSecrets.jwtSecret,
    jwksUrl: undefined,
    issuer: localJwt.issuer,
    audience: localJwt.audience,
  };
  return issueToken(auth, user, ttlSeconds);
}
