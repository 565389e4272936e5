/**
 * The simulated card gateway. Fault injection (api.md: PUT /api/admin/faults/payment)
 * makes it slow or failing, per process, to exercise timeouts and the circuit breaker.
 */
export interface GatewayFaults {
  delayMs: number;
  failureRate: number;
}

export class GatewayDeclinedError extends Error {}

export class SimulatedGateway {
  private faults: GatewayFaults = { delayMs: 0, failureRate: 0 };

  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  setFaults(f: GatewayFaults): void {
    this.faults = { ...f };
  }

  getFaults(): GatewayFaults {
    return { ...this.faults };
  }

  async charge(_amount: number): Promise<void> {
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    if (this.faults.failureRate > 0 && this.random() < this.faults.failureRate) {
      throw new GatewayDeclinedError('simulated gateway failure');
    }
  }
}
