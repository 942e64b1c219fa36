// Assets of an automation account — variables, credentials, connections, certificates — and connection types.
// Secret parts are sealed with the keyring under (asset id, version) and leave only through readAssetForJob.
import type { z } from 'zod';
import type {
  AssetKind,
  setCertificateBody,
  setConnectionBody,
  setConnectionTypeBody,
  setCredentialBody,
  setVariableBody,
} from '../../../contract/automation-assets.js';
import { newId } from '../../../contract/ids.js';
import type { Keyring } from '../../../crypto/keyring.js';
import {
  type ConnectionFieldDeclaration,
  checkConnectionValues,
  checkFieldDeclarations,
} from '../../../domain/automation/connection-fields.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, invalid } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteSealed, findSealed, insertSealed } from '../secrets/sealed-secrets-repo.js';
import * as repo from './automation-repo.js';
import { invalidIssues, mustFindAccount, uniquely } from './automation-shared.js';
import { type CertificateUpload, readCertificateUpload } from './certificate-assets.js';

/** An asset as prepared from a request: what may be shown, and what is sealed (if anything). */
interface Prepared {
  description: string | undefined;
  encrypted: boolean;
  publicFields: Record<string, unknown>;
  secret?: Record<string, unknown>;
  connectionTypeId?: string | null;
  expiresAt?: Date | null;
  /** Non-secret facts for the audit record. */
  audit: Record<string, unknown>;
}

/** An asset's clear value for a job: the Get-Automation* analogues. Never for a person. */
export type AssetForJob =
  | { kind: 'variable'; name: string; value: unknown }
  | { kind: 'credential'; name: string; userName: string; password: string }
  | { kind: 'connection'; name: string; connectionType: string; fields: Record<string, unknown> }
  | {
      kind: 'certificate';
      name: string;
      thumbprint: string;
      certificatePem: string;
      /** Only when the certificate was uploaded with a key and marked exportable. */
      privateKeyPem?: string;
    };

export type AssetsService = ReturnType<typeof createAssetsService>;

const label: Record<AssetKind, string> = {
  variable: 'Variable',
  credential: 'Credential',
  connection: 'Connection',
  certificate: 'Certificate',
};

export function createAssetsService({ db, keyring }: { db: Db; keyring: Keyring }) {
  const taken = (kind: string, name: string) => () =>
    new AppError('CONFLICT', `${kind} '${name}' was written by another request at the same time; try again.`);

  async function mustFindAsset(tx: Db | Tx, accountId: string, kind: AssetKind, name: string) {
    const row = await repo.findAsset(tx, accountId, kind, name);
    if (!row)
      throw new AppError(
        'NOT_FOUND',
        `${label[kind]} '${name}' was not found in automation account '${accountId}'.`,
      );
    return row;
  }

  /** Writes an asset inside the caller's transaction: a new version, its sealed secret, and its audit record. */
  async function putIn(
    tx: Tx,
    actor: string,
    accountId: string,
    kind: AssetKind,
    name: string,
    prepare: (existing: repo.AssetRow | undefined, tx: Tx) => Promise<Prepared> | Prepared,
  ) {
    await mustFindAccount(tx, accountId);
    const existing = await repo.findAsset(tx, accountId, kind, name);
    const prepared = await prepare(existing, tx);
    const version = (existing?.version ?? 0) + 1;
    const fields = {
      description: prepared.description ?? existing?.description ?? '',
      encrypted: prepared.encrypted,
      publicFields: prepared.publicFields,
      connectionTypeId: prepared.connectionTypeId ?? null,
      expiresAt: prepared.expiresAt ?? null,
      version,
    };
    const row = existing
      ? (await repo.updateAsset(tx, existing.id, fields))!
      : await repo.insertAsset(tx, {
          id: newId('asset'),
          automationAccountId: accountId,
          kind,
          name,
          ...fields,
        });
    // Only the current version of a secret is kept: an asset is read when a job asks, never cached.
    if (existing) await deleteSealed(tx, [row.id]);
    if (prepared.secret)
      await insertSealed(
        tx,
        row.id,
        version,
        keyring.seal(row.id, version, Buffer.from(JSON.stringify(prepared.secret), 'utf8')),
      );
    await appendAudit(tx, {
      actor,
      kind: 'asset.set',
      target: row.id,
      details: {
        automationAccountId: accountId,
        kind,
        name,
        created: !existing,
        version,
        ...prepared.audit,
      },
    });
    return { row, created: !existing };
  }

  function put(
    p: Principal,
    accountId: string,
    kind: AssetKind,
    name: string,
    prepare: (existing: repo.AssetRow | undefined, tx: Tx) => Promise<Prepared> | Prepared,
  ) {
    return uniquely(
      () => db.transaction((tx) => putIn(tx, actorOf(p), accountId, kind, name, prepare)),
      taken(label[kind], name),
    );
  }

  async function prepareConnection(tx: Tx, accountId: string, body: z.infer<typeof setConnectionBody>) {
    const type = await connectionType(tx, accountId, body.connectionType);
    const checked = checkConnectionValues(type.fields as ConnectionFieldDeclaration[], body.fieldValues);
    if (checked.kind === 'invalid') throw invalidIssues('body.fieldValues', checked.issues);
    const encryptedFields = Object.keys(checked.encrypted);
    return {
      description: body.description,
      encrypted: encryptedFields.length > 0,
      publicFields: { connectionType: type.name, fieldValues: checked.plain, encryptedFields },
      ...(encryptedFields.length ? { secret: { fields: checked.encrypted } } : {}),
      connectionTypeId: type.id,
      audit: { connectionType: type.name, fields: Object.keys(checked.plain), encryptedFields },
    };
  }

  function prepareCertificate(upload: CertificateUpload, format: string, description?: string): Prepared {
    const { certificatePem: _pem, ...shown } = upload.publicFields;
    return {
      description,
      encrypted: Boolean(upload.privateKeyPem),
      publicFields: upload.publicFields,
      ...(upload.privateKeyPem ? { secret: { privateKeyPem: upload.privateKeyPem } } : {}),
      expiresAt: upload.expiresAt,
      audit: { format, ...shown },
    };
  }

  async function removeIn(tx: Tx, actor: string, row: repo.AssetRow) {
    await repo.deleteAsset(tx, row.id);
    await deleteSealed(tx, [row.id]);
    await appendAudit(tx, {
      actor,
      kind: 'asset.delete',
      target: row.id,
      details: { automationAccountId: row.automationAccountId, kind: row.kind, name: row.name },
    });
  }

  async function openSecret(row: repo.AssetRow): Promise<Record<string, unknown>> {
    const sealed = await findSealed(db, row.id, row.version);
    if (!sealed) return {};
    return JSON.parse(keyring.open(row.id, row.version, sealed).toString('utf8')) as Record<string, unknown>;
  }

  async function connectionType(tx: Db | Tx, accountId: string, name: string) {
    const t = await repo.findConnectionType(tx, accountId, name);
    if (!t)
      throw invalid('body.connectionType', `no connection type named '${name}' in this automation account`);
    return t;
  }

  return {
    async list(accountId: string, kind?: AssetKind) {
      await mustFindAccount(db, accountId);
      return repo.listAssets(db, accountId, kind);
    },

    async get(accountId: string, kind: AssetKind, name: string) {
      await mustFindAccount(db, accountId);
      return mustFindAsset(db, accountId, kind, name);
    },

    setVariable: (p: Principal, accountId: string, name: string, body: z.infer<typeof setVariableBody>) =>
      put(p, accountId, 'variable', name, (existing) => {
        // A secret must not become readable by turning encryption off (nor a plain value be taken for sealed).
        if (existing && existing.encrypted !== body.encrypted)
          throw new AppError(
            'RULE_VIOLATION',
            `Variable '${name}' is ${existing.encrypted ? 'encrypted' : 'not encrypted'}; that cannot change: delete it and create it again.`,
            [{ path: 'body.encrypted', message: `must stay ${existing.encrypted}` }],
          );
        return {
          description: body.description,
          encrypted: body.encrypted,
          publicFields: body.encrypted ? {} : { value: body.value },
          ...(body.encrypted ? { secret: { value: body.value } } : {}),
          audit: { encrypted: body.encrypted },
        };
      }),

    setCredential: (p: Principal, accountId: string, name: string, body: z.infer<typeof setCredentialBody>) =>
      put(p, accountId, 'credential', name, () => ({
        description: body.description,
        encrypted: true,
        publicFields: { userName: body.userName },
        secret: { password: body.password },
        audit: { userName: body.userName },
      })),

    setConnection: (p: Principal, accountId: string, name: string, body: z.infer<typeof setConnectionBody>) =>
      put(p, accountId, 'connection', name, (_existing, tx) => prepareConnection(tx, accountId, body)),

    setCertificate(p: Principal, accountId: string, name: string, body: z.infer<typeof setCertificateBody>) {
      // Parsed before the transaction: a PFX's key derivation must not hold the database connection.
      const upload = readCertificateUpload(body);
      return put(p, accountId, 'certificate', name, () =>
        prepareCertificate(upload, body.format, body.description),
      );
    },

    /** The same writes inside a caller's transaction (a Run As account writes its two assets with its app). */
    inTransaction: {
      setConnection: (
        tx: Tx,
        actor: string,
        accountId: string,
        name: string,
        body: z.infer<typeof setConnectionBody>,
      ) => putIn(tx, actor, accountId, 'connection', name, () => prepareConnection(tx, accountId, body)),
      setCertificate: (
        tx: Tx,
        actor: string,
        accountId: string,
        name: string,
        upload: CertificateUpload,
        description: string,
      ) =>
        putIn(tx, actor, accountId, 'certificate', name, () =>
          prepareCertificate(upload, 'pem', description),
        ),
      /** Deletes the asset if it exists; true when it did. */
      async removeIfPresent(tx: Tx, actor: string, accountId: string, kind: AssetKind, name: string) {
        const row = await repo.findAsset(tx, accountId, kind, name);
        if (row) await removeIn(tx, actor, row);
        return Boolean(row);
      },
    },

    async remove(p: Principal, accountId: string, kind: AssetKind, name: string) {
      await db.transaction(async (tx) => {
        await mustFindAccount(tx, accountId);
        await removeIn(tx, actorOf(p), await mustFindAsset(tx, accountId, kind, name));
      });
    },

    async listConnectionTypes(accountId: string) {
      await mustFindAccount(db, accountId);
      return repo.listConnectionTypes(db, accountId);
    },

    async getConnectionType(accountId: string, name: string) {
      await mustFindAccount(db, accountId);
      const t = await repo.findConnectionType(db, accountId, name);
      if (!t)
        throw new AppError(
          'NOT_FOUND',
          `Connection type '${name}' was not found in automation account '${accountId}'.`,
        );
      return t;
    },

    async setConnectionType(
      p: Principal,
      accountId: string,
      name: string,
      body: z.infer<typeof setConnectionTypeBody>,
    ) {
      const issues = checkFieldDeclarations(body.fields);
      if (issues.length) throw invalidIssues('body.fields', issues);
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            await mustFindAccount(tx, accountId);
            const existing = await repo.findConnectionType(tx, accountId, name);
            if (existing?.builtIn)
              throw new AppError(
                'RULE_VIOLATION',
                `Connection type '${name}' is built in and cannot be changed.`,
              );
            if (existing) {
              const users = await repo.connectionsOfType(tx, existing.id);
              if (users.length)
                throw new AppError(
                  'IN_USE',
                  `Connection type '${name}' is used by ${users.map((u) => `'${u.name}'`).join(', ')}: delete those connections before changing its fields.`,
                  users.map((u) => ({ path: 'connections', message: u.name })),
                );
            }
            const fields = {
              description: body.description ?? existing?.description ?? '',
              fields: body.fields,
            };
            const row = existing
              ? (await repo.updateConnectionType(tx, existing.id, fields))!
              : await repo.insertConnectionType(tx, {
                  id: newId('connectionType'),
                  automationAccountId: accountId,
                  name,
                  builtIn: false,
                  ...fields,
                });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'connection-type.set',
              target: row.id,
              details: {
                automationAccountId: accountId,
                name,
                created: !existing,
                fields: body.fields.map((f) => f.name),
              },
            });
            return { row, created: !existing };
          }),
        taken('Connection type', name),
      );
    },

    async removeConnectionType(p: Principal, accountId: string, name: string) {
      await db.transaction(async (tx) => {
        await mustFindAccount(tx, accountId);
        const t = await repo.findConnectionType(tx, accountId, name);
        if (!t)
          throw new AppError(
            'NOT_FOUND',
            `Connection type '${name}' was not found in automation account '${accountId}'.`,
          );
        if (t.builtIn)
          throw new AppError(
            'RULE_VIOLATION',
            `Connection type '${name}' is built in and cannot be deleted.`,
          );
        const users = await repo.connectionsOfType(tx, t.id);
        if (users.length)
          throw new AppError(
            'IN_USE',
            `Connection type '${name}' is used by ${users.map((u) => `'${u.name}'`).join(', ')}: delete those connections first.`,
            users.map((u) => ({ path: 'connections', message: u.name })),
          );
        await repo.deleteConnectionType(tx, t.id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'connection-type.delete',
          target: t.id,
          details: { automationAccountId: accountId, name },
        });
      });
    },

    /**
     * An asset's clear value, for a job of this account (the job-local `steward asset get`, a later part of
     * issue 12). Not exposed by any route. With `reader`, the read is audited (names only, never the value).
     */
    async readAssetForJob(
      accountId: string,
      kind: AssetKind,
      name: string,
      reader?: { actor: string; jobId?: string },
    ): Promise<AssetForJob> {
      const row = await mustFindAsset(db, accountId, kind, name);
      const shown = row.publicFields;
      const secret = await openSecret(row);
      if (reader)
        await db.transaction((tx) =>
          appendAudit(tx, {
            actor: reader.actor,
            kind: 'asset.read',
            target: row.id,
            details: {
              automationAccountId: accountId,
              kind,
              name,
              ...(reader.jobId ? { jobId: reader.jobId } : {}),
            },
          }),
        );
      switch (kind) {
        case 'variable':
          return { kind, name, value: row.encrypted ? secret.value : shown.value };
        case 'credential':
          return { kind, name, userName: String(shown.userName), password: String(secret.password) };
        case 'connection':
          return {
            kind,
            name,
            connectionType: String(shown.connectionType),
            fields: {
              ...(shown.fieldValues as Record<string, unknown>),
              ...((secret.fields as Record<string, unknown> | undefined) ?? {}),
            },
          };
        case 'certificate':
          return {
            kind,
            name,
            thumbprint: String(shown.thumbprint),
            certificatePem: String(shown.certificatePem),
            ...(shown.exportable && typeof secret.privateKeyPem === 'string'
              ? { privateKeyPem: secret.privateKeyPem }
              : {}),
          };
      }
    },
  };
}
