// The name and description fields of a dialog that makes a thing or changes it: the name required and, once the
// thing exists, fixed; the description free text; each with the error the form's check or the API gave it.
import { Textarea, TextInput } from '@mantine/core';

export function NameFields(p: {
  name: string;
  onNameChange: (name: string) => void;
  description: string;
  onDescriptionChange: (description: string) => void;
  /** Errors by field; `name` and `description` are the ones shown here. */
  errors: Record<string, string>;
  /** The thing exists already: its name is shown read-only and does not take the dialog's first focus. */
  fixed?: boolean;
  /** Said under the name, e.g. why it cannot change. */
  nameHint?: string | undefined;
}) {
  return (
    <>
      <TextInput
        label="Name"
        required
        data-autofocus={p.fixed ? undefined : true}
        readOnly={p.fixed}
        description={p.nameHint}
        value={p.name}
        error={p.errors.name && `Name ${p.errors.name}`}
        onChange={(e) => p.onNameChange(e.currentTarget.value)}
      />
      <Textarea
        label="Description"
        value={p.description}
        error={p.errors.description}
        onChange={(e) => p.onDescriptionChange(e.currentTarget.value)}
      />
    </>
  );
}
