import { describe, expect, it } from "vitest";
import { portSetting, SettingError, wholeNumberOr, wholeNumberSetting } from "./whole-number-setting";
import { hostCertHours } from "@/lib/pki/certificate-service";
import { nebulaCertTimeoutMs } from "@/lib/pki/nebula-cert";
import { apiTokenLimitPerMinute } from "@/lib/auth/api-tokens";
import { workerSettings } from "@/lib/webhooks/worker";
import { retrySettings } from "@/lib/webhooks/queue";

const SECONDS = { unit: "seconds", min: 1, max: 3600 };

describe("wholeNumberSetting", () => {
  it("is null when unset or empty, and reads plain digits around spaces", () => {
    expect(wholeNumberSetting({}, "X", SECONDS)).toBeNull();
    expect(wholeNumberSetting({ X: "" }, "X", SECONDS)).toBeNull();
    expect(wholeNumberSetting({ X: "   " }, "X", SECONDS)).toBeNull();
    expect(wholeNumberSetting({ X: " 90 " }, "X", SECONDS)).toBe(90);
    expect(wholeNumberSetting({ X: "1" }, "X", SECONDS)).toBe(1);
    expect(wholeNumberSetting({ X: "3600" }, "X", SECONDS)).toBe(3600);
  });

  it("refuses what Number() would have let through, and anything out of range, naming the setting and the value", () => {
    // Number() reads most of these as numbers (an exponent, hex, binary, a fraction, a sign,
    // Infinity) and the rest as NaN; none is a plain whole number within the range.
    for (const bad of ["1e3", "0x10", "0b11", "1.5", "+5", "-1", "0", "3601", "ten", "5s", "1 000", "Infinity", "99999999999999999999"]) {
      expect(() => wholeNumberSetting({ X: bad }, "X", SECONDS)).toThrow(new SettingError(`X must be a whole number of seconds from 1 to 3600, not "${bad.trim()}"`));
    }
  });

  it("says what leaving it empty means, when that is something of its own", () => {
    expect(() => wholeNumberSetting({ X: "0" }, "X", { ...SECONDS, whenEmpty: "to keep it forever" })).toThrow('X must be a whole number of seconds from 1 to 3600, or empty to keep it forever, not "0"');
  });

  it("falls back only when unset", () => {
    expect(wholeNumberOr({}, "X", SECONDS, 30)).toBe(30);
    expect(wholeNumberOr({ X: "45" }, "X", SECONDS, 30)).toBe(45);
    expect(() => wholeNumberOr({ X: "x" }, "X", SECONDS, 30)).toThrow(SettingError);
  });

  it("reads ports", () => {
    expect(portSetting({}, "PORT", 3000)).toBe(3000);
    expect(portSetting({ PORT: "8080" }, "PORT", 3000)).toBe(8080);
    expect(() => portSetting({ PORT: "65536" }, "PORT", 3000)).toThrow('PORT must be a whole number from 1 to 65535, not "65536"');
  });
});

// Settings that went through Number() unchecked until they shared the helper: a typo made every
// signature fail (NaN hours, a NaN timeout that fired at once) or was silently replaced.
describe("the settings checked when the server starts", () => {
  it("take their defaults, or the operator's whole number", () => {
    expect(hostCertHours({})).toBe(8760);
    expect(hostCertHours({ NC_HOST_CERT_HOURS: "720" })).toBe(720);
    expect(nebulaCertTimeoutMs({})).toBe(15_000);
    expect(nebulaCertTimeoutMs({ NEBULA_CERT_TIMEOUT_MS: "30000" })).toBe(30_000);
    expect(apiTokenLimitPerMinute({})).toBe(600);
    expect(apiTokenLimitPerMinute({ NC_API_TOKEN_LIMIT_PER_MINUTE: "3" })).toBe(3);
    expect(workerSettings({})).toEqual({ pollingIntervalSeconds: 2, concurrency: 4 });
    expect(workerSettings({ NC_WEBHOOK_POLL_SECONDS: "5", NC_WEBHOOK_CONCURRENCY: "8" })).toEqual({ pollingIntervalSeconds: 5, concurrency: 8 });
    expect(retrySettings({ NC_WEBHOOK_RETRY_LIMIT: "0", NC_WEBHOOK_RETRY_BASE_SECONDS: "" })).toMatchObject({ retryLimit: 0, retryDelay: 30 });
  });

  it("refuse a typo instead of running with NaN or a silent default", () => {
    expect(() => hostCertHours({ NC_HOST_CERT_HOURS: "1y" })).toThrow(/NC_HOST_CERT_HOURS must be a whole number of hours/);
    expect(() => nebulaCertTimeoutMs({ NEBULA_CERT_TIMEOUT_MS: "15s" })).toThrow(/NEBULA_CERT_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(() => apiTokenLimitPerMinute({ NC_API_TOKEN_LIMIT_PER_MINUTE: "0" })).toThrow(/NC_API_TOKEN_LIMIT_PER_MINUTE/);
    expect(() => workerSettings({ NC_WEBHOOK_CONCURRENCY: "four" })).toThrow(/NC_WEBHOOK_CONCURRENCY/);
    expect(() => workerSettings({ NC_WEBHOOK_POLL_SECONDS: "0.5" })).toThrow(/NC_WEBHOOK_POLL_SECONDS/);
    expect(() => retrySettings({ NC_WEBHOOK_RETRY_LIMIT: "1e1" })).toThrow(/NC_WEBHOOK_RETRY_LIMIT must be a whole number of retries from 0 to 20/);
  });
});
