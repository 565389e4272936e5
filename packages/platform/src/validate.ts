/** zod at the edge: every route parses its body, query and path ids through these. */
import { z } from 'zod';
import { badRequest, notFound, type FieldError } from './problem.ts';

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

const pathId = z.uuid();

/**
 * A resource id taken from the path. An id that is not a uuid names no
 * resource, so it answers 404 like any unknown id (api.md: 400 is for body and
 * query), e.g. `parseIdParam(ctx.params.orderId, 'The order')`.
 */
export function parseIdParam(value: string | undefined, what: string): string {
  const r = pathId.safeParse(value);
  if (!r.success) throw notFound(what);
  return r.data;
}
