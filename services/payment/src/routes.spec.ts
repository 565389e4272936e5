/** The payment's app mounts exactly what the route table gives the payment (contracts/routes.ts). */
import { describe, expect, it } from '@jest/globals';
import { routeTableCheck } from '@baedal/platform/contracts/mounted-routes';

describe('payment routes', () => {
  it.each([false, true])('with fault injection %s, the router mounts the route table', async (faultInjection) => {
    const { buildApp } = await import('./app.ts');
    const { PaymentGateway } = await import('./gateway/gateway.ts');
    const load = () => import('./config.ts');
    const { mounted, owned } = await routeTableCheck('payment', faultInjection, load, (config, stubs) =>
      buildApp({ config, ...stubs, gateway: new PaymentGateway(stubs.orm) }),
    );
    expect(mounted).toEqual(owned);
  });
});
