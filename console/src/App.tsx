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
const Alerts = lazy(() => import('./pages/alerts/AlertsPage.js'));
const AlertDetails = lazy(() => import('./pages/alerts/AlertPage.js'));
const Notifications = lazy(() => import('./pages/notifications/NotificationsPage.js'));
const Users = lazy(() => import('./pages/admin/UsersPage.js'));
const Tokens = lazy(() => import('./pages/admin/TokensPage.js'));
const Audit = lazy(() => import('./pages/admin/AuditPage.js'));
const Explain = lazy(() => import('./pages/health/ExplainPage.js'));
const Findings = lazy(() => import('./pages/health/FindingsPage.js'));
const Classes = lazy(() => import('./pages/inventory/ClassesPage.js'));
const Objects = lazy(() => import('./pages/inventory/ObjectsPage.js'));
const InventoryObject = lazy(() => import('./pages/inventory/ObjectPage.js'));
const Groups = lazy(() => import('./pages/inventory/GroupsPage.js'));
const InventoryGroup = lazy(() => import('./pages/inventory/GroupPage.js'));
const Computers = lazy(() => import('./pages/inventory/ComputersPage.js'));
const Pools = lazy(() => import('./pages/inventory/PoolsPage.js'));
const Packs = lazy(() => import('./pages/packs/PacksPage.js'));
const Pack = lazy(() => import('./pages/packs/PackPage.js'));
const WorkerGroups = lazy(() => import('./pages/automation-admin/WorkerGroupsPage.js'));
const WorkerGroup = lazy(() => import('./pages/automation-admin/WorkerGroupPage.js'));
const Identities = lazy(() => import('./pages/automation-admin/IdentitiesPage.js'));
const Policy = lazy(() => import('./pages/policy/PolicyPage.js'));

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
            <Route path="/alerts" component={Alerts} />
            <Route path="/alerts/:id">{(p) => <AlertDetails key={p.id} id={p.id} />}</Route>
            <Route path="/notifications" component={Notifications} />
            <Route path="/admin/users" component={Users} />
            <Route path="/admin/tokens" component={Tokens} />
            <Route path="/admin/audit" component={Audit} />
            <Route path="/explain" component={Explain} />
            <Route path="/findings" component={Findings} />
            <Route path="/inventory/classes" component={Classes} />
            <Route path="/inventory/objects" component={Objects} />
            <Route path="/inventory/objects/:id">{(p) => <InventoryObject key={p.id} id={p.id} />}</Route>
            <Route path="/inventory/groups" component={Groups} />
            <Route path="/inventory/groups/:id">{(p) => <InventoryGroup key={p.id} id={p.id} />}</Route>
            <Route path="/inventory/computers" component={Computers} />
            <Route path="/inventory/pools" component={Pools} />
            <Route path="/packs" component={Packs} />
            <Route path="/packs/:id">{(p) => <Pack key={p.id} id={p.id} />}</Route>
            <Route path="/automation/worker-groups" component={WorkerGroups} />
            <Route path="/automation/worker-groups/:id">{(p) => <WorkerGroup key={p.id} id={p.id} />}</Route>
            <Route path="/automation/identities" component={Identities} />
            <Route path="/automation/policy" component={Policy} />
            <Route>
              <Failure error={new Error('There is no page at this address.')} />
            </Route>
          </Switch>
        </Suspense>
      </Shell>
    </SessionProvider>
  );
}
