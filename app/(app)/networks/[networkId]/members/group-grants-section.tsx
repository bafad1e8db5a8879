/**
 * The members page's "Group grants": roles in this network for Keycloak groups, apart from the
 * direct members. Keycloak mode only; in local mode there are no groups and nothing is shown.
 */
import { authMode } from "@/lib/auth/auth-config";
import { listGroupGrants } from "@/lib/networks/group-grant-service";
import { GroupGrantsPanel } from "./group-grants-panel";

export async function GroupGrantsSection({ networkId, canManage }: { networkId: string; canManage: boolean }) {
  if (authMode() !== "keycloak") return null;
  return <GroupGrantsPanel networkId={networkId} grants={await listGroupGrants(networkId)} canManage={canManage} />;
}
