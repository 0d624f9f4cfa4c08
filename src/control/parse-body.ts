// Request bodies are checked with zod; what fails is a 400 that names each bad field.
import type { z } from 'zod';
import { ApiError } from '../api-errors.js';

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new ApiError('bad_request', `invalid request body: ${issues}`);
  }
  return result.data;
}
