/** POST /api/auth/login: the local login of api.md; issues HS256 tokens every service verifies. */
import Router from '@koa/router';
import { issueToken, parseWith, TOKEN_TTL_SECONDS, unauthorized, type CommonConfig } from '@baedal/platform';
import { LoginRequest, type LoginResponse } from '@baedal/platform/contracts/api';
import type { Credentials } from '../domain/credentials.ts';

export function authRoutes(deps: { auth: CommonConfig['auth']; credentials: Credentials }): Router {
  const router = new Router();

  router.post('/api/auth/login', async (ctx) => {
    const body = parseWith(LoginRequest, ctx.request.body, 'body');
    const user = await deps.credentials.verify(body.username, body.password);
    if (!user) throw unauthorized('Wrong username or password.');
    const accessToken = await issueToken(deps.auth, user);
    ctx.set('Cache-Control', 'no-store');
    const answer: LoginResponse = { accessToken, tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS, user };
    ctx.body = answer;
  });

  return router;
}
