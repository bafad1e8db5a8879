/**
 * The renderer writes each host the keys its own Nebula version reads (issue 12 part 6). Kept
 * apart from render-node-config.test.ts only so that parallel work on that file does not collide.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { nodeInput } from "./render-node-config.fixtures";
import { bodyShapeOf, ConfigRenderError, renderNodeConfig, type FirewallAction, type RenderedBody, type RenderInput } from "./render-node-config";
import { capabilitiesOf, formatNebulaVersion } from "./nebula-versions";

const web1 = { name: "web1", ip: "10.42.0.5", groups: ["web"] };
type Config = { pki: Record<string, unknown>; firewall: Record<string, unknown> };
const rendered = (input: RenderInput) => parse(renderNodeConfig(input).yaml, { version: "1.1" }) as Config;
const NEWER_THAN_16 = ["inbound_action", "outbound_action", "initiating_version", "default_local_cidr_any", "local_cidr"];

describe("renderNodeConfig: keys by the host's reported version", () => {
  it("gives a host reporting 1.10.3 initiating_version, default_local_cidr_any and the action keys swapped (#1798)", () => {
    const config = rendered(nodeInput(web1, { target: "1.6", hostVersion: "1.10.3", firewallActions: { inbound: "reject", outbound: "drop" } }));
    expect(config.pki.initiating_version).toBe(1);
    expect(config.firewall).toMatchObject({ inbound_action: "drop", outbound_action: "reject", default_local_cidr_any: true });
  });

  it("gives a host reporting 1.11.0 the action keys as they are", () => {
    const config = rendered(nodeInput(web1, { hostVersion: "1.11.0", firewallActions: { inbound: "reject", outbound: "drop" } }));
    expect(config.firewall).toMatchObject({ inbound_action: "reject", outbound_action: "drop" });
  });

  it("gives a host reporting 1.6.1 none of the newer keys, even on a network that targets 1.10", () => {
    const { object } = renderNodeConfig(nodeInput(web1, { target: "1.10", hostVersion: "1.6.1", firewallActions: { inbound: "reject", outbound: "reject" } }));
    const text = JSON.stringify(object);
    for (const key of NEWER_THAN_16) expect(text).not.toContain(`"${key}"`);
  });

  it("renders for the network's target while the host has not reported (or reported nothing readable)", () => {
    for (const hostVersion of [undefined, null, "", "dev-build"]) {
      const config = rendered(nodeInput(web1, { target: "1.7", hostVersion, firewallActions: { inbound: "reject", outbound: "drop" } }));
      expect(config.pki).not.toHaveProperty("initiating_version");
      // 1.7 still has #1798.
      expect(config.firewall).toMatchObject({ inbound_action: "drop", outbound_action: "reject" });
    }
    expect(renderNodeConfig(nodeInput(web1, { target: "1.10" })).yaml).toContain("# Written for the keys of Nebula 1.10.");
  });

  it("writes initiating_version 2 for a v2 network", () => {
    expect(rendered(nodeInput(web1, { target: "1.10", certVersion: 2, hostVersion: "1.10.3" })).pki.initiating_version).toBe(2);
  });

  it("refuses to send v2 material to a host older than 1.10, naming the version", () => {
    expect(() => renderNodeConfig(nodeInput(web1, { target: "1.10", certVersion: 2, hostVersion: "1.6.1" }))).toThrow(ConfigRenderError);
    expect(() => renderNodeConfig(nodeInput(web1, { target: "1.10", certVersion: 2, hostVersion: "1.9.7" }))).toThrow(/runs Nebula 1\.9\.7.*v2 certificates/);
    expect(() => renderNodeConfig(nodeInput(web1, { target: "1.7", certVersion: 2 }))).toThrow(/has not reported/);
  });

  it("changes the ETag when the reported version needs other keys, and only then (no needless reload)", () => {
    const etag = (hostVersion: string | null) => renderNodeConfig(nodeInput(web1, { hostVersion })).etag;
    // Target 1.6: a host's first report of 1.6.1 or a patch upgrade changes nothing it must read.
    expect(etag("1.6.1")).toBe(etag(null));
    expect(etag("1.10.3")).toBe(etag("1.10.2"));
    const etags = new Set([etag(null), etag("1.7.0"), etag("1.10.3"), etag("1.11.0")]);
    expect(etags.size).toBe(4);
  });

  it("shares a body between versions that render alike, and tells apart those that do not", () => {
    const base = nodeInput(web1);
    const shape = (over: Partial<RenderInput>) => bodyShapeOf({ ...base, ...over });
    expect(shape({ hostVersion: "1.10.2" })).toBe(shape({ hostVersion: "1.10.3" }));
    // 1.6.0 (the target) and a 1.6.1 host render the same body.
    expect(shape({ hostVersion: "1.6.1" })).toBe(shape({}));
    const shapes = new Set([
      shape({}),
      shape({ hostVersion: "1.7.0" }),
      shape({ hostVersion: "1.10.3" }),
      shape({ hostVersion: "1.11.0" }),
      shape({ hostVersion: "1.11.0", firewallActions: { inbound: "reject", outbound: "drop" } }),
      shape({ hostVersion: "1.10.3", certVersion: 2 }),
    ]);
    expect(shapes.size).toBe(6);
  });

  it("renders through the memo exactly what it renders alone, for hosts on different versions", () => {
    const map = new Map<string, RenderedBody>();
    const memo = { get: (k: string) => map.get(k), set: (k: string, v: RenderedBody) => void map.set(k, v) };
    for (const hostVersion of [null, "1.6.1", "1.7.0", "1.10.2", "1.10.3", "1.11.0", null]) {
      const input = nodeInput(web1, { hostVersion, firewallActions: { inbound: "reject", outbound: "drop" } });
      expect(renderNodeConfig(input, memo).yaml).toBe(renderNodeConfig(input).yaml);
    }
    expect(map.size).toBe(4);
  });

  const action = fc.constantFrom<FirewallAction>("drop", "reject");
  const version = fc.record({ major: fc.constant(1), minor: fc.integer({ min: 0, max: 14 }), patch: fc.integer({ min: 0, max: 9 }) });

  it("property: on every version, each direction ends up with the action the network asks for, and only keys the version knows", () => {
    fc.assert(
      fc.property(version, action, action, fc.constantFrom<1 | 2>(1, 2), (v, inbound, outbound, certVersion) => {
        const caps = capabilitiesOf(v);
        const input = nodeInput(web1, { target: "1.6", hostVersion: formatNebulaVersion(v), certVersion, firewallActions: { inbound, outbound } });
        if (certVersion === 2 && !caps.v2Certificates) {
          expect(() => renderNodeConfig(input)).toThrow(ConfigRenderError);
          return;
        }
        const config = rendered(input);
        if (!caps.firewallActions) {
          // 1.6 always drops: it gets no action keys at all.
          expect(config.firewall).not.toHaveProperty("inbound_action");
          expect(config.firewall).not.toHaveProperty("outbound_action");
        } else {
          // What the host applies to each direction, given #1798 on 1.7.0-1.10.x.
          const appliedInbound = caps.firewallActionsSwapped ? config.firewall.outbound_action : config.firewall.inbound_action;
          const appliedOutbound = caps.firewallActionsSwapped ? config.firewall.inbound_action : config.firewall.outbound_action;
          expect([appliedInbound, appliedOutbound]).toEqual([inbound, outbound]);
        }
        expect("initiating_version" in config.pki).toBe(caps.initiatingVersion);
        if (caps.initiatingVersion) expect(config.pki.initiating_version).toBe(certVersion);
        expect(config.firewall.default_local_cidr_any).toBe(caps.defaultLocalCidrAny ? true : undefined);
        expect(config.pki.disconnect_invalid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
