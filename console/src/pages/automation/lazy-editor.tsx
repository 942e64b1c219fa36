// CodeMirror behind a Suspense boundary: the editor's code is fetched the first time a runbook is shown.
import { type ComponentProps, lazy, Suspense } from 'react';
import { Loading } from '../../components/states.js';

const CodeEditor = lazy(() => import('./CodeEditor.js'));

export function RunbookCode(props: ComponentProps<typeof CodeEditor>) {
  return (
    <Suspense fallback={<Loading label="Opening the editor…" />}>
      <CodeEditor {...props} />
    </Suspense>
  );
}
