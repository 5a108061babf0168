import { api } from '../../api/client';
import { send } from '../../api/result';

export type TrashKind = 'contact' | 'company' | 'deal' | 'activity';

/** How each kind is named and where it lives in the app. */
export const trashKinds: Record<
  TrashKind,
  { label: string; plural: string; list: string; page: (id: string) => string }
> = {
  contact: { label: 'Contact', plural: 'Contacts', list: '/contacts', page: (id) => `/contacts/${id}` },
  company: { label: 'Company', plural: 'Companies', list: '/companies', page: (id) => `/companies/${id}` },
  deal: { label: 'Deal', plural: 'Deals', list: '/deals', page: (id) => `/deals/${id}` },
  activity: { label: 'Activity', plural: 'Activities', list: '/tasks', page: () => '/tasks' },
};

/** Moves a record to the trash (the API's DELETE). */
export function deleteRecord(kind: TrashKind, id: string): Promise<void> {
  const path = { params: { path: { id } } };
  switch (kind) {
    case 'contact':
      return send(api.DELETE('/api/contacts/{id}', path));
    case 'company':
      return send(api.DELETE('/api/companies/{id}', path));
    case 'deal':
      return send(api.DELETE('/api/deals/{id}', path));
    case 'activity':
      return send(api.DELETE('/api/activities/{id}', path));
  }
}

/** Brings a record back from the trash. */
export function restoreRecord(kind: TrashKind, id: string): Promise<void> {
  const path = { params: { path: { id } } };
  switch (kind) {
    case 'contact':
      return send(api.POST('/api/contacts/{id}/restore', path));
    case 'company':
      return send(api.POST('/api/companies/{id}/restore', path));
    case 'deal':
      return send(api.POST('/api/deals/{id}/restore', path));
    case 'activity':
      return send(api.POST('/api/activities/{id}/restore', path));
  }
}

/** Every query a record's return or departure can change. */
export const recordQueries: Record<TrashKind, string[]> = {
  contact: ['contacts', 'deals', 'activities', 'palette', 'trash'],
  company: ['companies', 'contacts', 'deals', 'activities', 'palette', 'trash'],
  deal: ['deals', 'forecast', 'contacts', 'companies', 'activities', 'palette', 'trash'],
  activity: ['activities', 'trash'],
};
