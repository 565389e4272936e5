import { pino, type Logger } from 'pino';
import { traceLogFields } from './trace.ts';

/** One JSON logger per process, with the service name on every line and the trace id of the work in hand (trace.ts). */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    mixin: traceLogFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'password', '*.password'], censor: '[redacted]' },
  });
}

export type { Logger };
