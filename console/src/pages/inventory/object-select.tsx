// A searchable choice of one object: the server searches names as the user types, since an inventory is too
// large to load whole and filter in the browser.
import { type ComboboxItem, Loader, Select } from '@mantine/core';
import { useState } from 'react';
import { useDebouncedSearch, useObjects } from './data.js';

/** How many objects the dropdown offers at a time: typing part of a name narrows them down on the server. */
const OFFERED = 50;

export function ObjectSelect({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const [typed, setTyped] = useState('');
  const [chosen, setChosen] = useState<ComboboxItem | null>(null);
  // Once an object is chosen the box shows its label: that is not a search, so the dropdown offers the first objects.
  const { search, pending } = useDebouncedSearch(chosen && typed === chosen.label ? '' : typed);
  const objects = useObjects(null, search, OFFERED);
  const found = (objects.data?.items ?? []).map((o) => ({
    value: o.id,
    label: `${o.displayName || o.name} (${o.classId})`,
  }));
  const data =
    chosen && chosen.value === value && !found.some((o) => o.value === chosen.value)
      ? [chosen, ...found]
      : found;
  const searching = pending || objects.isFetching;
  return (
    <Select
      label={label}
      placeholder={objects.isPending ? 'Loading…' : 'Type part of a name'}
      searchable
      searchValue={typed}
      onSearchChange={setTyped}
      // The server matched the name or the display name already; the label may show only one of them.
      filter={({ options }) => options}
      nothingFoundMessage={searching ? 'Searching…' : 'No object matches'}
      rightSection={searching ? <Loader size="xs" aria-hidden /> : undefined}
      aria-busy={searching}
      data={data}
      value={value}
      error={objects.error ? 'The objects could not be read' : undefined}
      onChange={(id, option) => {
        setChosen(option);
        onChange(id);
      }}
    />
  );
}
