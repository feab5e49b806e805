/** The shell: header with navigation and sign-in, and the view of the current hash route. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { PREFIX, session } from './api';
import { registry } from './live';
import { useSubscription } from './ui';
import { Cluster } from './views/cluster';
import { Dashboard } from './views/dashboard';
import { Log } from './views/log';
import { ServiceView } from './views/service';
import { Services } from './views/services';

export interface Route {
  view: 'dashboard' | 'services' | 'service' | 'log' | 'cluster';
  arg: string;
}

export function parseRoute(hash: string): Route {
  const [, view = '', ...rest] = hash.replace(/^#/, '').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  if (view === 'services' || view === 'log' || view === 'cluster') return { view, arg };
  if (view === 'service' && arg !== '') return { view: 'service', arg };
  return { view: 'dashboard', arg: '' };
}

export const href = (view: Route['view'], arg = '') => `#/${view === 'dashboard' ? '' : view}${arg === '' ? '' : `/${encodeURIComponent(arg)}`}`;

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn() {
  useSubscription(session.subscribe);
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const [token, setToken] = useState('');
  const [operator, setOperator] = useState('');
  useEffect(() => {
    const d = dialog.current;
    if (d === null) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  if (session.signedIn()) {
    return (
      <div class="signin">
        <span class="muted" title="Writes send this session's token">
          Signed in as <strong>{session.operator()}</strong>
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <div class="signin">
      <span class="muted">Read-only</span>
      <button type="button" class="primary" onClick={() => setOpen(true)}>
        Sign in
      </button>
      <dialog ref={dialog} onClose={() => setOpen(false)} aria-labelledby="signin-title">
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim() === '') return;
            session.signIn(token.trim(), operator);
            setToken('');
            setOpen(false);
          }}
        >
          <h2 id="signin-title">Sign in</h2>
          <p class="muted">
            Paste an access token with the <code>operate</code> scope (with management auth on, the node writes its first
            admin token to its data directory). It is kept for this browser tab only and sent as{' '}
            <code>Authorization: Bearer</code>.
          </p>
          <label>
            Token
            <input name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </label>
          <label>
            Operator name (for the audit log)
            <input name="operator" autocomplete="username" placeholder="console" value={operator} onInput={(e) => setOperator(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" class="primary">
              Sign in
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

const NAV: Array<[Route['view'], string]> = [
  ['dashboard', 'Dashboard'],
  ['services', 'Services'],
  ['log', 'Operations log'],
  ['cluster', 'Cluster'],
];

export function App() {
  const route = useRoute();
  useSubscription(registry.subscribe);
  useEffect(() => {
    document.title = `Artemis console · ${NAV.find(([v]) => v === route.view)?.[1] ?? route.arg}`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.view, route.arg]);
  const current = route.view === 'service' ? 'services' : route.view;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={`${PREFIX}/`}>
          Artemis
        </a>
        <nav aria-label="Console">
          {NAV.map(([view, label]) => (
            <a key={view} href={href(view)} aria-current={current === view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`live ${registry.connected ? 'on' : 'off'}`} role="status" title="Push channel /ws/discovery/all-instance-change">
          {registry.connected ? 'live' : 'offline'}
        </span>
        <SignIn />
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'dashboard' && <Dashboard />}
        {route.view === 'services' && <Services />}
        {route.view === 'service' && <ServiceView serviceId={route.arg} />}
        {route.view === 'log' && <Log />}
        {route.view === 'cluster' && <Cluster />}
      </main>
    </>
  );
}
