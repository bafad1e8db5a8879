/**
 * What the sign-in page says for next-auth's `?error=` codes. Only these fixed sentences are ever
 * shown: the parameter is attacker-controlled (anyone can send a link to /signin?error=...), so
 * an unknown value gets the generic sentence, never its own text. Pure: the page and the form share it.
 */

/** Our own code for a throttled sign-in (lib/auth/login-throttle.ts), passed through next-auth like its codes. */
export const LOGIN_THROTTLED_CODE = "LoginThrottled";

export const GENERIC_SIGN_IN_ERROR = "Sign-in failed. Try again.";

const messages: Record<string, string> = {
  CredentialsSignin: "Wrong username or password.",
  OAuthSignin: "Could not reach the identity provider.",
  OAuthCallback: "The identity provider's answer could not be verified.",
  Callback: GENERIC_SIGN_IN_ERROR,
  AccessDenied: "Access denied.",
  SessionRequired: "Sign in to continue.",
  Configuration: "Sign-in is not set up correctly on this server. Tell your administrator.",
  [LOGIN_THROTTLED_CODE]: "Too many failed sign-in attempts. Wait a few minutes and try again.",
};

/** The sentence for an error code; null when there is no error. */
export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  // hasOwn: "constructor" or "__proto__" must not reach Object.prototype.
  return Object.hasOwn(messages, code) ? messages[code]! : GENERIC_SIGN_IN_ERROR;
}
