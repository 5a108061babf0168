/** Names for the generated component schemas the screens use. */
import type { components, paths } from './schema';

type S = components['schemas'];

export type Me = S['MeView'];
export type Organization = S['OrganizationView'];
export type Contact = S['ContactView'];
export type ContactPage = S['ContactPage'];
export type Company = S['CompanyView'];
export type Deal = S['DealView'];
export type Activity = S['ActivityView'];
export type ActivityKind = S['ActivityKindWire'];
export type Pipeline = S['PipelineView'];
export type Stage = S['StageView'];
export type Board = S['Board'];
export type BoardColumn = S['BoardColumn'];
export type StageChange = S['StageChangeView'];
export type Forecast = S['Forecast'];
export type Member = S['MemberView'];
export type Invitation = S['InvitationView'];
export type AuditEntry = S['AuditEntryView'];
export type Job = S['JobView'];
export type ImportView = S['ImportView'];

/** Query objects, typed by the document (strings today, exact types later). */
type GetQuery<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never;
export type ContactListQuery = GetQuery<'/api/contacts'>;
export type CompanyListQuery = GetQuery<'/api/companies'>;
export type DealListQuery = GetQuery<'/api/deals'>;
export type ActivityListQuery = GetQuery<'/api/activities'>;
