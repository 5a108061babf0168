import {
  IconAddressBook,
  IconBuilding,
  IconChartBar,
  IconChecklist,
  IconDatabaseImport,
  IconLayoutKanban,
  IconReportAnalytics,
  IconSettings,
  IconTrash,
  IconUserCircle,
} from '@tabler/icons-react';

export const navItems = [
  { to: '/contacts', label: 'Contacts', icon: IconAddressBook },
  { to: '/companies', label: 'Companies', icon: IconBuilding },
  { to: '/deals', label: 'Deals', icon: IconLayoutKanban },
  { to: '/tasks', label: 'My tasks', icon: IconChecklist },
  { to: '/forecast', label: 'Forecast', icon: IconChartBar },
  { to: '/reports', label: 'Reports', icon: IconReportAnalytics },
  { to: '/settings', label: 'Settings', icon: IconSettings },
  { to: '/data', label: 'Data / Import', icon: IconDatabaseImport },
  { to: '/trash', label: 'Trash', icon: IconTrash },
  { to: '/account', label: 'Account', icon: IconUserCircle },
] as const;
