// Small helpers every route module shares: the typed Fastify instance and date formatting.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorBodySchema } from '../contract/errors.js';

export type App = ReturnType<FastifyInstance['withTypeProvider']> & FastifyInstance;

export const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const errorResponses = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  422: errorBodySchema,
} as const;

/** Client address as Fastify sees it (honours STEWARD_TRUST_PROXY). */
export const clientAddress = (ip: string | undefined) => ip ?? 'unknown';
