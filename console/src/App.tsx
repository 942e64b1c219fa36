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
            <Route>
              <Failure error={new Error('There is no page at this address.')} />
            </Route>
          </Switch>
        </Suspense>
      </Shell>
    </SessionProvider>
  );
}
