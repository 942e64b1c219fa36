// The runbook editor: the draft's code (CodeMirror) and parameters; Save draft, Publish, Revert, and a test pane.
import { Alert, Anchor, Badge, Button, Grid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import {
  type Runbook,
  runbookContentResponse,
  runbookSchema,
  setDraftBody,
} from '../../../../src/contract/automation.js';
import { checkDeclarations } from '../../../../src/domain/automation/parameters.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { runbookState } from './AutomationAccountPage.js';
import { useRunbook, useRunbookContent } from './data.js';
import { issuesOf } from './forms.js';
import { RunbookCode } from './lazy-editor.js';
import { type DeclarationRow, declarationsOf, ParametersEditor, rowsOf } from './ParametersEditor.js';
import { TestPane } from './TestPane.js';

export default function RunbookEditor({ id }: { id: string }) {
  const runbook = useRunbook(id);
  const draft = useRunbookContent(id, 'draft');
  const both = {
    isPending: runbook.isPending || draft.isPending,
    error: runbook.error ?? draft.error,
    data: runbook.data && draft.data ? { runbook: runbook.data, draft: draft.data } : undefined,
    refetch: () => Promise.all([runbook.refetch(), draft.refetch()]),
  };
  return (
    <QueryView query={both} empty={null}>
      {(d) => (
        <Editor runbook={d.runbook} content={d.draft.content} parameters={rowsOf(d.draft.parameters)} />
      )}
    </QueryView>
  );
}

function Editor({
  runbook: r,
  content: savedContent,
  parameters: savedRows,
}: {
  runbook: Runbook;
  content: string;
  parameters: DeclarationRow[];
}) {
  const qc = useQueryClient();
  const manage = usePermission('automation.manage');
  const [content, setContent] = useState(savedContent);
  const [rows, setRows] = useState(savedRows);
  const [saved, setSaved] = useState({ content: savedContent, rows: JSON.stringify(savedRows) });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'publish' | 'revert' | null>(null);
  const dirty = content !== saved.content || JSON.stringify(rows) !== saved.rows;
  const state = runbookState(r);

  // Leaving the page with unsaved changes asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const refresh = async (updated: Runbook) => {
    qc.setQueryData(['runbooks', r.id], updated);
    await qc.invalidateQueries({ queryKey: ['runbooks'] });
  };

  /** Saves the draft if it changed; false when it was refused (the messages are shown). */
  const save = async (): Promise<boolean> => {
    if (!dirty) return true;
    const body = { content, parameters: declarationsOf(rows) };
    const checked = setDraftBody.safeParse(body);
    const ruleIssues = checked.success ? checkDeclarations(checked.data.parameters ?? []) : [];
    if (!checked.success || ruleIssues.length) {
      setErrors(
        checked.success
          ? Object.fromEntries(ruleIssues.map((i) => [`parameters${i.path}`, i.message]))
          : issuesOf(checked.error),
      );
      setError('The draft was not saved: correct the fields marked below.');
      return false;
    }
    try {
      const updated = await api.put(`/api/v1/runbooks/${encodeURIComponent(r.id)}/draft`, body, {
        schema: runbookSchema,
      });
      setSaved({ content, rows: JSON.stringify(rows) });
      setErrors({});
      await refresh(updated);
      return true;
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      return false;
    }
  };

  const act = async (what: 'save' | 'publish' | 'revert') => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      if (what === 'revert') {
        const p = await api.get(`/api/v1/runbooks/${encodeURIComponent(r.id)}/content`, {
          query: { version: 'published' },
          schema: runbookContentResponse,
        });
        setContent(p.content);
        setRows(rowsOf(p.parameters));
        setNotice('The published version is in the editor: save the draft to keep it.');
      } else if (await save()) {
        if (what === 'publish') {
          const updated = await api.post(`/api/v1/runbooks/${encodeURIComponent(r.id)}/publish`, undefined, {
            schema: runbookSchema,
          });
          await refresh(updated);
          setNotice(`Published as version ${updated.published?.version}. New jobs run it.`);
        } else setNotice('Draft saved.');
      }
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(null);
  };

  const readOnly = !manage.allowed;
  return (
    <Page
      title={`Edit ${r.name}`}
      description={
        <>
          <Anchor component={Link} href={`/automation/runbooks/${r.id}`}>
            Back to the runbook
          </Anchor>{' '}
          ·{' '}
          <Badge variant="dot" color={state.color} component="span">
            {state.label}
          </Badge>{' '}
          {dirty ? <Text span>· unsaved changes</Text> : null}
        </>
      }
      actions={
        manage.allowed ? (
          <>
            <Button variant="default" onClick={() => act('save')} loading={busy === 'save'} disabled={!dirty}>
              Save draft
            </Button>
            <Button
              onClick={() => act('publish')}
              loading={busy === 'publish'}
              disabled={!dirty && !r.draft.differsFromPublished}
            >
              Publish
            </Button>
            {r.published ? (
              <Button variant="subtle" onClick={() => act('revert')} loading={busy === 'revert'}>
                Revert to published
              </Button>
            ) : null}
          </>
        ) : null
      }
    >
      {readOnly ? <Alert color="gray">{manage.reason}</Alert> : null}
      {error ? (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      ) : null}
      {notice ? (
        <Alert color="green" role="status">
          {notice}
        </Alert>
      ) : null}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <RunbookCode
              value={content}
              type={r.type}
              label={`Draft of ${r.name}`}
              readOnly={readOnly}
              onChange={setContent}
            />
            {errors.content ? (
              <Text c="red" size="sm">
                Content {errors.content}
              </Text>
            ) : null}
            <Title order={2} size="h4">
              Parameters
            </Title>
            <ParametersEditor rows={rows} errors={errors} readOnly={readOnly} onChange={setRows} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <TestPane runbook={r} declarations={declarationsOf(rows)} beforeStart={save} />
        </Grid.Col>
      </Grid>
    </Page>
  );
}
