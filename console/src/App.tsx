// Signed out: the sign-in page; a one-time password: its change; otherwise the console's shell and pages.
import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { Failure, Loading } from './components/states.js';
import { ChangePassword } from './pages/ChangePassword.js';
import { SignIn } from './pages/SignIn.js';
import { Shell } from './Shell.js';
import { SessionProvider, useSessionQuery } from './session.js';

const Accounts = lazy(() => import('./pages/accounts/AccountsPage.js'));
const AccountProperties = lazy(() => import('./pages/accounts/AccountProperties.js'));
const Profiles = lazy(() => import('./pages/profiles/ProfilesPage.js'));
const ProfileWizard = lazy(() => import('./pages/profiles/ProfileWizard.js'));
const AutomationAccounts = lazy(() => import('./pages/automation/AutomationAccountsPage.js'));
const AutomationAccount = lazy(() => import('./pages/automation/AutomationAccountPage.js'));
const Runbook = lazy(() => import('./pages/automation/RunbookPage.js'));
const RunbookEditor = lazy(() => import('./pages/automation/RunbookEditor.js'));
const Jobs = lazy(() => import('./pages/automation/JobsPage.js'));
const Job = lazy(() => import('./pages/automation/JobPage.js'));
const WorkerGroups = lazy(() => import('./pages/automation-admin/WorkerGroupsPage.js'));
const WorkerGroup = lazy(() => import('./pages/automation-admin/WorkerGroupPage.js'));
const Identities = lazy(() => import('./pages/automation-admin/IdentitiesPage.js'));

export function App() {
  const session = useSessionQuery();
  if (session.isPending) return <Loading label="Opening Steward…" />;
  if (session.error) return <Failure error={session.error} retry={() => void session.refetch()} />;
  if (!session.data) return <SignIn />;
  if (session.data.user.mustChangePassword) return <ChangePassword session={session.data} />;
  return (
    <SessionProvider session={session.data}>
      <Shell>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/">
              <Redirect to="/run-as/accounts" replace />
            </Route>
            <Route path="/run-as/accounts" component={Accounts} />
            <Route path="/run-as/accounts/:id">{(p) => <AccountProperties id={p.id} />}</Route>
            <Route path="/run-as/profiles" component={Profiles} />
            <Route path="/run-as/profiles/:id">{(p) => <ProfileWizard id={p.id} />}</Route>
            <Route path="/automation/accounts" component={AutomationAccounts} />
            <Route path="/automation/accounts/:id">{(p) => <AutomationAccount id={p.id} />}</Route>
            <Route path="/automation/runbooks/:id/edit">
              {(p) => <RunbookEditor key={p.id} id={p.id} />}
            </Route>
            <Route path="/automation/runbooks/:id">{(p) => <Runbook id={p.id} />}</Route>
            <Route path="/automation/jobs" component={Jobs} />
            <Route path="/automation/jobs/:id">{(p) => <Job key={p.id} id={p.id} />}</Route>
            <Route path="/automation/worker-groups" component={WorkerGroups} />
            <Route path="/automation/worker-groups/:id">{(p) => <WorkerGroup key={p.id} id={p.id} />}</Route>
            <Route path="/automation/identities" component={Identities} />
            <Route>
              <Failure error={new Error('There is no page at this address.')} />
            </Route>
          </Switch>
        </Suspense>
      </Shell>
    </SessionProvider>
  );
}
