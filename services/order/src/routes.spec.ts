/** The order's app mounts exactly what the route table gives the order (contracts/routes.ts). */
import { describe, expect, it } from '@jest/globals';
import { routeTableCheck } from '@baedal/platform/contracts/mounted-routes';

describe('order routes', () => {
  it.each([false, true])('with fault injection %s, the router mounts the route table', async (faultInjection) => {
    const { buildApp } = await import('./app.ts');
    const load = () => import('./config.ts');
    const { mounted, owned } = await routeTableCheck('order', faultInjection, load, (config, stubs) =>
      buildApp({ config, ...stubs }),
    );
    expect(mounted).toEqual(owned);
  });
});
