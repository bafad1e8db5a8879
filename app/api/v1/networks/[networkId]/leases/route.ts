import { withNetwork } from "@/lib/api/with-network";
import { intToIpv4 } from "@/lib/ipam/cidr";
import { listLeases } from "@/lib/pki/certificate-queries";

export const GET = withNetwork({ role: "viewer" }, async ({ access }) => ({
  leases: (await listLeases(access.network.id)).map((l) => ({ ...l, ip: intToIpv4(l.address) })),
}));
