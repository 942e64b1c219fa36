// HTTP routes for the assets of an automation account and its connection types. PUT creates or replaces an
// asset by name (201 or 200); no response carries an encrypted value, a password or a private key.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountParams } from '../../../contract/automation.js';
import {
  type Asset,
  type AssetKind,
  assetCollections,
  assetKinds,
  assetNameSchema,
  assetParams,
  assetSchema,
  connectionTypeSchema,
  setCertificateBody,
  setConnectionBody,
  setConnectionTypeBody,
  setCredentialBody,
  setVariableBody,
} from '../../../contract/automation-assets.js';
import type { ConnectionFieldDeclaration } from '../../../domain/automation/connection-fields.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import type { AssetsService } from './assets-service.js';
import type { AssetRow, ConnectionTypeRow } from './automation-repo.js';

/** What may be shown of an asset; secret parts are not in the row, and certificatePem is left out as bulk. */
export function assetDto(r: AssetRow): Asset {
  const base = {
    id: r.id,
    automationAccountId: r.automationAccountId,
    name: r.name,
    description: r.description,
    version: r.version,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
  const f = r.publicFields;
  switch (r.kind as AssetKind) {
    case 'variable':
      return {
        ...base,
        kind: 'variable',
        encrypted: r.encrypted,
        ...(r.encrypted ? {} : { value: f.value }),
      };
    case 'credential':
      return { ...base, kind: 'credential', userName: String(f.userName) };
    case 'connection':
      return {
        ...base,
        kind: 'connection',
        connectionType: String(f.connectionType),
        fieldValues: (f.fieldValues ?? {}) as Record<string, string | number | boolean>,
        encryptedFields: (f.encryptedFields ?? []) as string[],
      };
    case 'certificate':
      return {
        ...base,
        kind: 'certificate',
        thumbprint: String(f.thumbprint),
        thumbprintSha256: String(f.thumbprintSha256),
        subject: String(f.subject),
        issuer: String(f.issuer),
        notBefore: String(f.notBefore),
        expiresAt: String(f.notAfter),
        hasPrivateKey: Boolean(f.hasPrivateKey),
        exportable: Boolean(f.exportable),
      };
  }
}

export const connectionTypeDto = (r: ConnectionTypeRow): z.infer<typeof connectionTypeSchema> => ({
  id: r.id,
  automationAccountId: r.automationAccountId,
  name: r.name,
  description: r.description,
  builtIn: r.builtIn,
  fields: r.fields as ConnectionFieldDeclaration[],
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const putParams = z.object({ accountId: z.string().min(1).max(256), name: assetNameSchema });
const listQuery = z.strictObject({ kind: z.enum(assetKinds).optional() });

export function registerAssets(fastify: FastifyInstance, assets: AssetsService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  // Assets (and connection types) sit at their automation account.
  const scope = app.scopes.account('accountId');
  const read = app.authorize('automation.read', { scope, action: 'assets.read' });
  const manage = app.authorize('automation.manage', { scope, action: 'assets.write' });
  const items = z.object({ items: z.array(assetSchema) });
  const base = '/api/v1/automation-accounts/:accountId';

  app.get(`${base}/assets`, {
    schema: {
      tags,
      summary: 'List the assets of an automation account, of every kind or of one',
      params: accountParams,
      querystring: listQuery,
      response: { 200: items, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => ({
      items: (await assets.list(req.params.accountId, req.query.kind)).map(assetDto),
    }),
  });

  for (const kind of assetKinds) {
    const url = `${base}/${assetCollections[kind]}`;
    app.get(url, {
      schema: {
        tags,
        summary: `List the ${kind} assets of an automation account`,
        params: accountParams,
        response: { 200: items, ...errorResponses },
      },
      onRequest: read,
      handler: async (req) => ({ items: (await assets.list(req.params.accountId, kind)).map(assetDto) }),
    });
    app.get(`${url}/:name`, {
      schema: {
        tags,
        summary: `Show a ${kind} asset (never its secret parts)`,
        params: assetParams,
        response: { 200: assetSchema, ...errorResponses },
      },
      onRequest: read,
      handler: async (req) => assetDto(await assets.get(req.params.accountId, kind, req.params.name)),
    });
    app.delete(`${url}/:name`, {
      schema: {
        tags,
        summary: `Delete a ${kind} asset`,
        params: assetParams,
        response: { 204: z.null(), ...errorResponses },
      },
      onRequest: manage,
      handler: async (req, reply) => {
        await assets.remove(principalOf(req), req.params.accountId, kind, req.params.name);
        return reply.code(204).send(null);
      },
    });
  }

  const putResponses = { 200: assetSchema, 201: assetSchema, ...errorResponses };

  app.put(`${base}/variables/:name`, {
    schema: {
      tags,
      summary: 'Create or replace a variable: a JSON value, plain or encrypted (write-only)',
      params: putParams,
      body: setVariableBody,
      response: putResponses,
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const r = await assets.setVariable(principalOf(req), req.params.accountId, req.params.name, req.body);
      return reply.code(r.created ? 201 : 200).send(assetDto(r.row));
    },
  });

  app.put(`${base}/credentials/:name`, {
    schema: {
      tags,
      summary: 'Create or replace a credential: a user name and a password (write-only)',
      params: putParams,
      body: setCredentialBody,
      response: putResponses,
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const r = await assets.setCredential(principalOf(req), req.params.accountId, req.params.name, req.body);
      return reply.code(r.created ? 201 : 200).send(assetDto(r.row));
    },
  });

  app.put(`${base}/connections/:name`, {
    schema: {
      tags,
      summary: 'Create or replace a connection: field values checked against its connection type',
      params: putParams,
      body: setConnectionBody,
      response: putResponses,
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const r = await assets.setConnection(principalOf(req), req.params.accountId, req.params.name, req.body);
      return reply.code(r.created ? 201 : 200).send(assetDto(r.row));
    },
  });

  app.put(`${base}/certificates/:name`, {
    schema: {
      tags,
      summary: 'Upload a certificate: PFX with its password, PEM with an optional key, or a public-only .cer',
      params: putParams,
      body: setCertificateBody,
      response: putResponses,
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const r = await assets.setCertificate(
        principalOf(req),
        req.params.accountId,
        req.params.name,
        req.body,
      );
      return reply.code(r.created ? 201 : 200).send(assetDto(r.row));
    },
  });

  const types = `${base}/connection-types`;
  app.get(types, {
    schema: {
      tags,
      summary: 'List the connection types of an automation account (built-in ones included)',
      params: accountParams,
      response: { 200: z.object({ items: z.array(connectionTypeSchema) }), ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => ({
      items: (await assets.listConnectionTypes(req.params.accountId)).map(connectionTypeDto),
    }),
  });

  app.get(`${types}/:name`, {
    schema: {
      tags,
      summary: 'Show a connection type and its fields',
      params: assetParams,
      response: { 200: connectionTypeSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) =>
      connectionTypeDto(await assets.getConnectionType(req.params.accountId, req.params.name)),
  });

  app.put(`${types}/:name`, {
    schema: {
      tags,
      summary: 'Create or replace a user-defined connection type (not while connections use it)',
      params: putParams,
      body: setConnectionTypeBody,
      response: { 200: connectionTypeSchema, 201: connectionTypeSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const r = await assets.setConnectionType(
        principalOf(req),
        req.params.accountId,
        req.params.name,
        req.body,
      );
      return reply.code(r.created ? 201 : 200).send(connectionTypeDto(r.row));
    },
  });

  app.delete(`${types}/:name`, {
    schema: {
      tags,
      summary: 'Delete a user-defined connection type no connection uses',
      params: assetParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await assets.removeConnectionType(principalOf(req), req.params.accountId, req.params.name);
      return reply.code(204).send(null);
    },
  });
}
