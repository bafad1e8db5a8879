-- What the firewall does with traffic no rule allows, per direction (Nebula 1.7+ inbound_action and outbound_action)
CREATE TYPE "FirewallAction" AS ENUM ('drop', 'reject');

ALTER TABLE "Network" ADD COLUMN "inboundAction" "FirewallAction" NOT NULL DEFAULT 'drop',
ADD COLUMN "outboundAction" "FirewallAction" NOT NULL DEFAULT 'drop';
