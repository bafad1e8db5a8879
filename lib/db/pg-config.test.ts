import { describe, expect, it } from "vitest";
import { pgConfigFromUrl } from "./pg-config";

describe("pgConfigFromUrl", () => {
  it("takes the plain fields, decoded", () => {
    expect(pgConfigFromUrl("postgres://nebula:p%40ss@db.internal:6543/nc")).toEqual({ host: "db.internal", port: 6543, user: "nebula", password: "p@ss", database: "nc" });
  });
  it("passes TLS parameters on to the runtime connections", () => {
    expect(pgConfigFromUrl("postgres://u:p@h/db?sslmode=disable").ssl).toBe(false);
    expect(pgConfigFromUrl("postgres://u:p@h/db?sslmode=verify-full").ssl).toEqual({});
    expect(pgConfigFromUrl("postgres://u:p@h/db?sslmode=no-verify").ssl).toEqual({ rejectUnauthorized: false });
    expect(pgConfigFromUrl("postgres://u:p@h/db?application_name=nc-web").application_name).toBe("nc-web");
  });
  it("refuses what is not a postgres URL", () => {
    expect(() => pgConfigFromUrl("mysql://u:p@h/db")).toThrow(/postgres:\/\//);
    expect(() => pgConfigFromUrl(undefined)).toThrow(/not set/);
  });
});
