import { describe, expect, it } from '@jest/globals';
import { DEMO_PASSWORD, demoUsers } from '@baedal/platform/contracts/demo';
import { Credentials } from './credentials.ts';

describe('Credentials', () => {
  it('when demo data is on, then every demo user logs in with the demo password', async () => {
    const c = await Credentials.create({ demoData: true });
    for (const u of demoUsers) {
      const user = await c.verify(u.username, DEMO_PASSWORD);
      expect(user).toEqual({
        id: u.id,
        username: u.username,
        role: u.role,
        ...(u.storeId ? { storeId: u.storeId } : {}),
      });
    }
  });

  it('when the password or the user is wrong, then nobody is logged in', async () => {
    const c = await Credentials.create({ demoData: true });
    expect(await c.verify('alice', 'demo-pas')).toBeNull();
    expect(await c.verify('alice', `${DEMO_PASSWORD} `)).toBeNull();
    expect(await c.verify('mallory', DEMO_PASSWORD)).toBeNull();
  });

  it('when demo data is off, then there are no users', async () => {
    const c = await Credentials.create({ demoData: false });
    expect(await c.verify('alice', DEMO_PASSWORD)).toBeNull();
  });
});
