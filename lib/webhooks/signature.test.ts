import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signedHeaders, verifyWebhook } from "./signature";

describe("Standard Webhooks signatures", () => {
  it("signs '{id}.{timestamp}.{body}' with the secret's bytes, as the spec's reference receivers compute it", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const headers = signedHeaders(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", '{"test": 2432232314}', 1614265330_000);
    // The example from the Standard Webhooks specification.
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(headers["webhook-timestamp"]).toBe("1614265330");
  });

  it("verifies its own signatures, refuses a wrong secret, a changed body and an old timestamp", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "node.enrolled" });
    const now = Date.now();
    const headers = { ...signedHeaders(secret, "d1", body, now) };
    expect(verifyWebhook(secret, headers, body, 300, now)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), headers, body, 300, now)).toBe(false);
    expect(verifyWebhook(secret, headers, body + " ", 300, now)).toBe(false);
    expect(verifyWebhook(secret, headers, body, 300, now + 301_000)).toBe(false);
  });

  it("matches a receiver's plain Node check", () => {
    const secret = generateWebhookSecret();
    const h = signedHeaders(secret, "abc", "{}");
    const expected = createHmac("sha256", Buffer.from(secret.split("_")[1]!, "base64")).update(`abc.${h["webhook-timestamp"]}.{}`).digest("base64");
    expect(h["webhook-signature"]).toBe(`v1,${expected}`);
  });
});
