/**
 * POST /api/auth/login: the local login of api.md; issues HS256 tokens every
 * service verifies. Besides the per-address limit every request meets, each
 * username has a budget of failed attempts (LoginLimiter): guesses spread over
 * many addresses still run out of it.
 */
import Router from '@koa/router';
import { issueToken, parseWith, TOKEN_TTL_SECONDS, unauthorized, type CommonConfig } from '@baedal/platform';
import { LoginRequest, type LoginResponse } from '@baedal/platform/contracts/api';
import { LoginLimiter, type LoginLimitConfig } from '@baedal/platform/ratelimit';
import type { Credentials } from '../domain/credentials.ts';

export function authRoutes(deps: {
  auth: CommonConfig['auth'];
  credentials: Credentials;
  loginLimit: LoginLimitConfig;
}): Router {
  const router = new Router();
  const limiter = new LoginLimiter(deps.loginLimit);

  router.post('/api/auth/login', async (ctx) => {
    const body = parseWith(LoginRequest, ctx.request.body, 'body');
    // Before the password is hashed: a refused attempt costs no scrypt and tells nothing.
    await limiter.attempt(body.username);
    const user = await deps.credentials.verify(body.username, body.password);
    if (!user) throw unauthorized('Wrong username or password.');
    await limiter.succeeded(body.username);
    const accessToken = await issueToken(deps.auth, user);
    ctx.set('Cache-Control', 'no-store');
    const answer: LoginResponse = { accessToken, tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS, user };
    ctx.body = answer;
  });

  return router;
}
