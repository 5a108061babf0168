/** Why a single sign-on did not happen (`/sign-in?sso_error=<code>`, ADR 0037), in words a person can act on. */
const messages: Record<string, string> = {
  invalid_state:
    'This sign-in link was already used, has expired, or was opened in another browser. Start single sign-on again from the same browser.',
  unverified_email:
    'Your identity provider did not confirm your e-mail address, so Clearview cannot tell who you are. Ask your IT team to verify it.',
  invitation_only:
    'Your identity provider signed you in, but you are not a member of this organization yet. Ask an admin to invite you; if you already have a Clearview account, accept the invitation with its password.',
  domain_not_allowed:
    'Your e-mail domain may not join this organization by single sign-on. Ask an admin to invite you.',
  provider_error:
    'The identity provider’s answer could not be checked, so you were not signed in. Try again; if it keeps failing, tell your admin.',
  provider_refused: 'The identity provider did not sign you in (it refused or you cancelled).',
  not_configured: 'This organization has no single sign-on any more. Sign in with your e-mail and password.',
};

const unavailable = 'Clearview could not finish signing you in just now. Try again in a moment.';

/** The message for an `sso_error` code, or null when there is none. */
export function ssoErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return messages[code] ?? unavailable;
}
