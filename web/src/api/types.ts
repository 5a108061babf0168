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
export type ApiKey = S['ApiKeyView'];
export type ApiKeyCreated = S['ApiKeyCreated'];
export type Webhook = S['WebhookView'];
export type WebhookCreated = S['WebhookCreated'];
export type WebhookDelivery = S['DeliveryView'];
export type ScimToken = S['ScimTokenView'];
export type ScimTokenIssued = S['ScimTokenIssued'];
export type SsoSettings = S['SsoView'];
export type SsoBody = S['SsoBody'];
export type ImportView = S['ImportView'];
export type SignInAnswer = S['SignInView'];
export type SavedView = S['SavedViewView'];
export type MfaStatus = S['MfaStatusView'];
export type TotpEnrollment = S['TotpEnrollmentView'];
export type CustomField = S['CustomFieldView'];
export type FieldOption = S['FieldOption'];

/** A correct password that still needs a code from the authenticator app. */
export function needsSecondFactor(answer: SignInAnswer): answer is S['MfaRequired'] {
  return 'mfa_required' in answer && answer.mfa_required;
}

/** Query objects, typed by the document (strings today, exact types later). */
type GetQuery<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never;
export type ContactListQuery = GetQuery<'/api/contacts'>;
export type CompanyListQuery = GetQuery<'/api/companies'>;
export type DealListQuery = GetQuery<'/api/deals'>;
export type ActivityListQuery = GetQuery<'/api/activities'>;

/** Values the document enumerates, as the screens set them. */
export type Role = S['RoleBody']['role'];
export type StageKind = S['StageBody']['kind'];
export type Currency = S['DealBody']['currency'];
export type RepVisibility = NonNullable<S['OrganizationPatch']['rep_visibility']>;
export type MfaRequirement = NonNullable<S['OrganizationPatch']['mfa_required']>;
export type ContactSort = NonNullable<ContactListQuery['sort']>;
export type CompanySort = NonNullable<CompanyListQuery['sort']>;

/**
 * `value` when it is one of `allowed`, else `fallback`: narrows a string
 * from the URL or a select to an enum of the document without a cast.
 */
export function oneOf<T extends string>(
  allowed: readonly T[],
  value: string | null | undefined,
  fallback: T,
): T {
  return allowed.find((a) => a === value) ?? fallback;
}

/**
 * A currency code as typed: the server checks it against ISO 4217 and
 * answers a 422 naming the field, which the form shows beside it.
 */
export function typedCurrency(text: string): Currency {
  return text.trim().toUpperCase() as Currency;
}
