import { ZodError, ZodSchema } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  readonly issues: Issue[];

  constructor(issues: Issue[]) {
    super(`validation failed: ${issues.map((i) => i.path).join(', ')}`);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

function toIssues(err: ZodError): Issue[] {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Parses an untrusted request body, throwing ValidationError on failure. */
export function parseBody<T>(schema: ZodSchema<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ValidationError(toIssues(result.error));
  }
  return result.data;
}
