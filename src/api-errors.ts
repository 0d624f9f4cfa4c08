// Errors of the daemon API (the control socket answers with them): one place maps them to HTTP status codes.

export type ApiErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'unknown_peer'
  | 'ambiguous_peer'
  | 'payload_too_large'
  | 'dial_failed'
  | 'forbidden'
  | 'unauthorized'
  | 'blocked'
  | 'too_many_requests'
  | 'unavailable'
  | 'storage_full'
  | 'conflict'
  | 'ambiguous_message'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_peer: 404,
  ambiguous_peer: 409,
  payload_too_large: 413,
  blocked: 409,
  too_many_requests: 429,
  dial_failed: 502,
  unavailable: 503,
  storage_full: 507,
  conflict: 409,
  ambiguous_message: 409,
  internal: 500,
};

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly details?: Record<string, unknown> | undefined;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return STATUS[this.code];
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}
