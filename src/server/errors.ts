// One application error, and the one handler that turns any error into the one error body.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorCode, errorCodes, type Issue } from '../contract/errors.js';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('NOT_FOUND', `${what} '${id}' was not found.`);

export const invalid = (path: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${path}: ${message}`, [{ path, message }]);

function pathOf(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  let out = context ?? 'body';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return out;
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
};

/** Errors Fastify meets before routing (a path that does not decode): answered in the one error body. */
export function answerFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const badPath = err.code === 'FST_ERR_BAD_URL';
  const message = badPath ? 'is not valid percent-encoded UTF-8' : 'is not valid';
  reply.code(400).send({
    error: {
      code: 'VALIDATION_FAILED',
      message: `${badPath ? 'params' : 'request'}: ${message}`,
      requestId: req.id,
      issues: [{ path: badPath ? 'params' : 'request', message }],
    },
  });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      error: {
        code: 'NOT_FOUND',
        message: `No route ${req.method} ${req.url.split('?')[0]}.`,
        requestId: req.id,
      },
    });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const requestId = req.id;
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return reply.code(errorCodes[err.code].status).send({
        error: {
          code: err.code,
          message: err.message,
          requestId,
          ...(err.issues ? { issues: err.issues } : {}),
        },
      });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        path: pathOf(err.validationContext, v.instancePath),
        message: v.message ?? 'is invalid',
      }));
      const first = issues[0];
      return reply.code(400).send({
        error: {
          code: 'VALIDATION_FAILED',
          message: first ? `${first.path}: ${first.message}` : 'The request is invalid.',
          requestId,
          issues,
        },
      });
    }
    const mapped = err.code ? fastifyCodes[err.code] : undefined;
    if (mapped || (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)) {
      const code = mapped ?? 'VALIDATION_FAILED';
      const message =
        code === 'PAYLOAD_TOO_LARGE'
          ? 'The request body is larger than the server accepts.'
          : code === 'UNSUPPORTED_MEDIA_TYPE'
            ? 'This content type is not accepted here; send application/json.'
            : 'The request body is not valid JSON.';
      return reply.code(errorCodes[code].status).send({
        error: { code, message, requestId, issues: [{ path: 'body', message }] },
      });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error.', requestId } });
  });
}
