import { describe, expect, it } from '@jest/globals';
import { LoginRequest } from '@baedal/platform/contracts/api';

describe('LoginRequest', () => {
  it('when username and password are given, then it parses', () => {
    expect(LoginRequest.parse({ username: 'alice', password: 'demo-pass' })).toEqual({
      username: 'alice',
      password: 'demo-pass',
    });
  });

  it.each([
    [{ username: 'alice' }],
    [{ username: '', password: 'x' }],
    [{ username: 'alice', password: '' }],
    [{ username: 'a'.repeat(65), password: 'x' }],
    [{ username: 'alice', password: 'x'.repeat(257) }],
    [{ username: 'alice', password: 'x', role: 'admin' }],
    [{ username: 1, password: 'x' }],
    [null],
  ])('when the body is %j, then it is refused', (body) => {
    expect(LoginRequest.safeParse(body).success).toBe(false);
  });
});
