/** zod at the edge: every route parses its body, query and params through these. */
import type { z } from 'zod';
import { badRequest, type FieldError } from './problem.ts';

export function issuesToErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(`The ${where} does not match the schema.`, issuesToErrors(r.error));
  return r.data;
}
