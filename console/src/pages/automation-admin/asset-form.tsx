// What every asset dialog has: the name (fixed once the asset exists) and the description, the PUT that creates
// the asset or replaces it in place, and the titles and labels of a new asset or a change.
import { useState } from 'react';
import { z } from 'zod';
import {
  type Asset,
  type AssetKind,
  assetCollections,
  assetNameSchema,
  assetSchema,
} from '../../../../src/contract/automation-assets.js';
import { api } from '../../api.js';
import { NameFields } from '../../components/name-fields.js';
import { useSubmit } from './submit.js';

const enc = encodeURIComponent;

/** The asset's name and description, and the PUT that creates it or (`existing`) replaces it in place. */
export function useAssetForm(accountId: string, kind: AssetKind, existing: Asset | undefined) {
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const submit = useSubmit();
  /** `schema` null: the contract's check needs Node's Buffer, so the API alone checks this one. */
  const save = async (schema: z.ZodType | null, fields: Record<string, unknown>) => {
    const body = { ...(description ? { description } : {}), ...fields };
    // The name is in the path, not the body: the contract's rule for it is checked here first.
    if (!assetNameSchema.safeParse(name).success)
      return submit.run(
        { schema: z.object({ name: assetNameSchema }), body: { name } },
        async () => undefined,
      );
    return submit.run(
      schema ? { schema, body } : null,
      () =>
        api.put(
          `/api/v1/automation-accounts/${enc(accountId)}/${assetCollections[kind]}/${enc(name)}`,
          body,
          {
            schema: assetSchema,
          },
        ),
      [['assets', accountId, kind]],
    );
  };
  const fields = (
    <NameFields
      name={name}
      onNameChange={setName}
      description={description}
      onDescriptionChange={setDescription}
      errors={submit.errors}
      fixed={!!existing}
      nameHint={existing ? 'An asset keeps its name: runbooks read it by name.' : undefined}
    />
  );
  const labels = existing
    ? { title: (what: string) => `Change ${what} ${existing.name}`, submit: 'Save' }
    : { title: (what: string) => `Add ${what}`, submit: 'Create' };
  return { submit, save, fields, labels };
}

export type DialogProps<K extends AssetKind = AssetKind> = {
  accountId: string;
  onClose: () => void;
  /** The asset to change in place; none: a new one. */
  existing?: Extract<Asset, { kind: K }>;
};

/** Written again in full by a change: the old value is never read back. */
export const AGAIN = 'Write-only: enter it again to keep it, or a new one; never shown again.';
