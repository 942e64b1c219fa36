// The runbook code editor (CodeMirror 6), loaded on demand: it is not part of the console's first load.
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import { StreamLanguage } from '@codemirror/language';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useComputedColorScheme } from '@mantine/core';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import type { RunbookType } from '../../../../src/contract/automation.js';

const languages: Record<RunbookType, () => Extension> = {
  shell: () => StreamLanguage.define(shell),
  powershell: () => StreamLanguage.define(powerShell),
  python: () => python(),
  node: () => javascript(),
};

const themeOf = (dark: boolean) =>
  EditorView.theme(
    {
      '&': { fontSize: '14px', border: '1px solid var(--mantine-color-default-border)' },
      '.cm-content': { fontFamily: 'var(--mantine-font-family-monospace)' },
      '.cm-gutters': {
        backgroundColor: 'var(--mantine-color-default-hover)',
        color: 'var(--mantine-color-text)',
        borderRight: '1px solid var(--mantine-color-default-border)',
      },
      '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)' },
    },
    { dark },
  );

export default function CodeEditor({
  value,
  type,
  label,
  readOnly = false,
  onChange,
  minHeight = 320,
}: {
  value: string;
  type: RunbookType;
  label: string;
  readOnly?: boolean;
  onChange?: (value: string) => void;
  minHeight?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const dark = useComputedColorScheme('light') === 'dark';

  // The editor owns its text while it lives; a new runbook type, theme or mode builds it anew.
  // biome-ignore lint/correctness/useExhaustiveDependencies: value seeds the editor; later changes come from it
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languages[type](),
          themeOf(dark),
          EditorView.theme({ '.cm-scroller': { minHeight: `${minHeight}px` } }),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [type, dark, readOnly, label, minHeight]);

  // A value given from outside (another version loaded) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={host} />;
}
