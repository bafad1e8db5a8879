import { describe, expect, it } from "vitest";
import { SettingError } from "@/lib/core/whole-number-setting";
import { AuthConfigError, authMode, keycloakSettings, keycloakTokenUrl, sessionLifetimes } from "./auth-config";

const kc = { KEYCLOAK_ISSUER: "https://sso.example/realms/nebula", KEYCLOAK_CLIENT_ID: "nc", KEYCLOAK_CLIENT_SECRET: "s" };

describe("authMode: the sign-in mode is explicit", () => {
  it("is local with nothing set (the embedded default), or when asked for", () => {
    expect(authMode({})).toBe("local");
    expect(authMode({ AUTH_MODE: "local" })).toBe("local");
  });
  it("is keycloak only when asked for, with all three variables", () => {
    expect(authMode({ AUTH_MODE: "keycloak", ...kc })).toBe("keycloak");
  });
  it("refuses a partial Keycloak configuration instead of falling back to local accounts", () => {
    expect(() => authMode({ AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: kc.KEYCLOAK_ISSUER })).toThrow(
      new AuthConfigError("AUTH_MODE=keycloak needs KEYCLOAK_CLIENT_ID, KEYCLOAK_CLIENT_SECRET; set them (see keycloak/nebula-realm.json) or use AUTH_MODE=local"),
    );
    expect(() => authMode({ KEYCLOAK_ISSUER: kc.KEYCLOAK_ISSUER, KEYCLOAK_CLIENT_ID: "nc" })).toThrow(/KEYCLOAK_ISSUER, KEYCLOAK_CLIENT_ID are set but AUTH_MODE is not/);
    expect(() => authMode(kc)).toThrow(/AUTH_MODE is not/);
  });
  it("refuses Keycloak variables in local mode, and unknown modes", () => {
    expect(() => authMode({ AUTH_MODE: "local", KEYCLOAK_CLIENT_SECRET: "s" })).toThrow(/AUTH_MODE=local, but KEYCLOAK_CLIENT_SECRET is set/);
    expect(() => authMode({ AUTH_MODE: "ldap" })).toThrow(/must be local or keycloak, not "ldap"/);
  });
});

describe("keycloakSettings: where the server reads Keycloak's configuration", () => {
  it("reads discovery at the issuer, or at KEYCLOAK_INTERNAL_ISSUER when browsers and the server name Keycloak differently", () => {
    expect(keycloakSettings({ AUTH_MODE: "keycloak", ...kc })?.discoveryUrl).toBe("https://sso.example/realms/nebula/.well-known/openid-configuration");
    const inside = keycloakSettings({ AUTH_MODE: "keycloak", ...kc, KEYCLOAK_INTERNAL_ISSUER: "http://keycloak:8080/realms/nebula/" });
    expect(inside).toMatchObject({ issuer: kc.KEYCLOAK_ISSUER, discoveryUrl: "http://keycloak:8080/realms/nebula/.well-known/openid-configuration" });
    expect(keycloakSettings({})).toBeNull();
  });
  it("refuses KEYCLOAK_INTERNAL_ISSUER in local mode", () => {
    expect(() => authMode({ AUTH_MODE: "local", KEYCLOAK_INTERNAL_ISSUER: "http://keycloak:8080/realms/nebula" })).toThrow(/KEYCLOAK_INTERNAL_ISSUER is set/);
  });
});

describe("sessionLifetimes", () => {
  it("defaults to 12 h absolute, 2 h idle, a Keycloak re-check every 5 min", () => {
    expect(sessionLifetimes({})).toEqual({ absoluteSeconds: 43200, idleSeconds: 7200, recheckSeconds: 300 });
  });
  it("takes overrides, and refuses nonsense rather than guessing", () => {
    expect(sessionLifetimes({ NC_SESSION_MAX_AGE_SECONDS: "3600", NC_SESSION_IDLE_SECONDS: " 600 ", NC_SESSION_RECHECK_SECONDS: "5" })).toEqual({ absoluteSeconds: 3600, idleSeconds: 600, recheckSeconds: 5 });
    expect(() => sessionLifetimes({ NC_SESSION_IDLE_SECONDS: "0" })).toThrow(SettingError);
    expect(() => sessionLifetimes({ NC_SESSION_RECHECK_SECONDS: "5m" })).toThrow(/NC_SESSION_RECHECK_SECONDS/);
  });
  it("asks Keycloak's token endpoint where this server reaches Keycloak", () => {
    const env = { AUTH_MODE: "keycloak", KEYCLOAK_ISSUER: "https://sso.example.com/realms/nebula", KEYCLOAK_CLIENT_ID: "nc", KEYCLOAK_CLIENT_SECRET: "s" };
    expect(keycloakTokenUrl(keycloakSettings(env)!)).toBe("https://sso.example.com/realms/nebula/protocol/openid-connect/token");
    expect(keycloakTokenUrl(keycloakSettings({ ...env, KEYCLOAK_INTERNAL_ISSUER: "http://keycloak:8080/realms/nebula" })!)).toBe("http://keycloak:8080/realms/nebula/protocol/openid-connect/token");
  });
});
