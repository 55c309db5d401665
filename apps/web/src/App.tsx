import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './Layout';
import { ApplicationsPage } from './pages/ApplicationsPage';
import { JobPage } from './pages/JobPage';
import { JobsPage } from './pages/JobsPage';
import { RunPage } from './pages/RunPage';
import { SignInCallbackPage } from './pages/SignInCallbackPage';
import { SignInPage } from './pages/SignInPage';
import { CALLBACK_PATH } from './oidc';
import { WalletsPage } from './pages/WalletsPage';
import { useSession } from './session';

export function App() {
  const { token } = useSession();
  const location = useLocation();
  if (!token && location.pathname !== '/sign-in' && location.pathname !== CALLBACK_PATH) {
    const back = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(back)}`} replace />;
  }
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path={CALLBACK_PATH} element={<SignInCallbackPage />} />
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/jobs" replace />} />
        <Route path="/applications" element={<ApplicationsPage />} />
        <Route path="/applications/:name/:version" element={<RunPage />} />
        <Route path="/jobs" element={<JobsPage />} />
        <Route path="/jobs/:id" element={<JobPage />} />
        <Route path="/wallets" element={<WalletsPage />} />
        <Route path="*" element={<p className="error">There is no page at this address.</p>} />
      </Route>
    </Routes>
  );
}
