import { Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { LoadingRows } from '../ui/LoadingRows';
import { lazyNamed } from './lazy';
import { NotFoundPage } from './NotFoundPage';
import { RequireSession } from './RequireSession';
import { RouteError } from './RouteError';

const SignInPage = lazyNamed(() => import('../features/auth/SignInPage'), 'SignInPage');
const SignUpPage = lazyNamed(() => import('../features/auth/SignUpPage'), 'SignUpPage');
const VerifyEmailPage = lazyNamed(() => import('../features/auth/VerifyEmailPage'), 'VerifyEmailPage');
const ForgotPasswordPage = lazyNamed(
  () => import('../features/auth/ForgotPasswordPage'),
  'ForgotPasswordPage',
);
const ResetPasswordPage = lazyNamed(() => import('../features/auth/ResetPasswordPage'), 'ResetPasswordPage');
const AcceptInvitationPage = lazyNamed(
  () => import('../features/auth/AcceptInvitationPage'),
  'AcceptInvitationPage',
);
const AppLayout = lazyNamed(() => import('./AppLayout'), 'AppLayout');
const ContactsPage = lazyNamed(() => import('../features/contacts/ContactsPage'), 'ContactsPage');
const ContactPage = lazyNamed(() => import('../features/contacts/ContactPage'), 'ContactPage');
const CompaniesPage = lazyNamed(() => import('../features/companies/CompaniesPage'), 'CompaniesPage');
const CompanyPage = lazyNamed(() => import('../features/companies/CompanyPage'), 'CompanyPage');
const BoardPage = lazyNamed(() => import('../features/deals/BoardPage'), 'BoardPage');
const DealListPage = lazyNamed(() => import('../features/deals/DealListPage'), 'DealListPage');
const DealPage = lazyNamed(() => import('../features/deals/DealPage'), 'DealPage');
const TasksPage = lazyNamed(() => import('../features/tasks/TasksPage'), 'TasksPage');
const ForecastPage = lazyNamed(() => import('../features/forecast/ForecastPage'), 'ForecastPage');
const SettingsPage = lazyNamed(() => import('../features/settings/SettingsPage'), 'SettingsPage');
const DataPage = lazyNamed(() => import('../features/data/DataPage'), 'DataPage');
const DuplicatesPage = lazyNamed(() => import('../features/duplicates/DuplicatesPage'), 'DuplicatesPage');
const ReportsPage = lazyNamed(() => import('../features/reports/ReportsPage'), 'ReportsPage');
const TrashPage = lazyNamed(() => import('../features/trash/TrashPage'), 'TrashPage');
const AccountPage = lazyNamed(() => import('../features/account/AccountPage'), 'AccountPage');

function page(element: ReactNode) {
  return <Suspense fallback={<LoadingRows />}>{element}</Suspense>;
}

export const router = createBrowserRouter([
  {
    errorElement: <RouteError />,
    children: [
      { path: '/sign-in', element: page(<SignInPage />) },
      { path: '/sign-up', element: page(<SignUpPage />) },
      { path: '/verify-email', element: page(<VerifyEmailPage />) },
      { path: '/forgot-password', element: page(<ForgotPasswordPage />) },
      { path: '/password-reset', element: page(<ResetPasswordPage />) },
      { path: '/invitations/accept', element: page(<AcceptInvitationPage />) },
      {
        element: <RequireSession>{page(<AppLayout />)}</RequireSession>,
        children: [
          { index: true, element: <Navigate to="/contacts" replace /> },
          { path: 'contacts', element: page(<ContactsPage />) },
          { path: 'contacts/:id', element: page(<ContactPage />) },
          { path: 'companies', element: page(<CompaniesPage />) },
          { path: 'companies/:id', element: page(<CompanyPage />) },
          { path: 'deals', element: page(<BoardPage />) },
          { path: 'deals/list', element: page(<DealListPage />) },
          { path: 'deals/:id', element: page(<DealPage />) },
          { path: 'tasks', element: page(<TasksPage />) },
          { path: 'forecast', element: page(<ForecastPage />) },
          { path: 'reports', element: page(<ReportsPage />) },
          { path: 'settings/:tab?', element: page(<SettingsPage />) },
          { path: 'data', element: page(<DataPage />) },
          { path: 'trash', element: page(<TrashPage />) },
          { path: 'duplicates', element: page(<DuplicatesPage />) },
          { path: 'account', element: page(<AccountPage />) },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
