import { describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import * as nodes from "@/app/api/v1/networks/[networkId]/nodes/route";
import * as ranges from "@/app/api/v1/networks/[networkId]/reserved-ranges/route";
import * as range from "@/app/api/v1/networks/[networkId]/reserved-ranges/[rangeId]/route";
import { call, createTestUser } from "@/lib/testing/api-harness";

describe("reserved ranges through the API", () => {
  it("are skipped by allocation, refused over leased addresses, and freed again on removal", async () => {
    const admin = await createTestUser();
    const networkId = (await call(networks.POST, "POST", { as: admin, body: { name: "reserved", cidr: "10.77.9.0/24" } })).json.network.id;
    const add = (body: object) => call(ranges.POST, "POST", { as: admin, params: { networkId }, body });
    const node = async (name: string) => (await call(nodes.POST, "POST", { as: admin, params: { networkId }, body: { name } })).json.node;

    expect((await add({ start: "10.77.9.9", end: "10.77.9.1" })).json.error.fields.end[0]).toMatch(/ends before/);
    expect((await add({ start: "10.77.8.1", end: "10.77.8.9" })).json.error.fields.start[0]).toMatch(/inside 10.77.9.0\/24/);
    const r = await add({ start: "10.77.9.1", end: "10.77.9.10", description: "routers" });
    expect(r.status).toBe(201);
    expect((await node("first")).ip).toBe("10.77.9.11");
    expect((await add({ start: "10.77.9.11", end: "10.77.9.11" })).status).toBe(409);
    expect((await call(range.DELETE, "DELETE", { as: admin, params: { networkId, rangeId: r.json.range.id } })).status).toBe(204);
    expect((await node("second")).ip).toBe("10.77.9.1");
  });
});
