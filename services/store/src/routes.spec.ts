/** The store's app mounts exactly what the route table gives the store (contracts/routes.ts). */
import { describe, expect, it } from '@jest/globals';
import { routeTableCheck } from '@baedal/platform/contracts/mounted-routes';

describe('store routes', () => {
  it.each([false, true])('with fault injection %s, the router mounts the route table', async (faultInjection) => {
    const { buildApp } = await import('./app.ts');
    const load = () => import('./config.ts');
    const { mounted, owned } = await routeTableCheck('store', faultInjection, load, (config, stubs) =>
      buildApp({ config, ...stubs }),
    );
    expect(mounted).toEqual(owned);
  });
});
