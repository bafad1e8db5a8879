import { describe, expect, it } from "vitest";
import { GENERIC_SIGN_IN_ERROR, LOGIN_THROTTLED_CODE, signInErrorMessage } from "./sign-in-errors";

describe("signInErrorMessage", () => {
  it("maps next-auth's codes and the throttle's code to fixed sentences", () => {
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong username or password.");
    expect(signInErrorMessage("OAuthSignin")).toBe("Could not reach the identity provider.");
    expect(signInErrorMessage("OAuthCallback")).toBe("The identity provider's answer could not be verified.");
    expect(signInErrorMessage("SessionRequired")).toBe("Sign in to continue.");
    expect(signInErrorMessage("AccessDenied")).toBe("Access denied.");
    expect(signInErrorMessage("Configuration")).toMatch(/administrator/);
    expect(signInErrorMessage(LOGIN_THROTTLED_CODE)).toMatch(/^Too many failed sign-in attempts/);
  });

  it("answers anything else with the generic sentence, never the text itself", () => {
    for (const text of ["Too many attempts. Call +1-555-0100", "<b>hi</b>", "constructor", "__proto__", "toString", "credentialssignin"]) {
      expect(signInErrorMessage(text)).toBe(GENERIC_SIGN_IN_ERROR);
    }
  });

  it("says nothing without an error", () => {
    expect(signInErrorMessage(undefined)).toBeNull();
    expect(signInErrorMessage("")).toBeNull();
  });
});
