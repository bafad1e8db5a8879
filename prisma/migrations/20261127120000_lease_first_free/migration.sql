-- Leases the lowest free address of a network in one round trip (lib/ipam/lease-allocator.ts).
-- Enrollment claimed its address in five (BEGIN, the lock, the preamble, the lease, COMMIT), each
-- a trip to Postgres and back while the host waited; a function runs them all inside Postgres,
-- and enrollment calls it from the statement that reads its join link
-- (lib/enroll/enroll-statements.ts), before the app knows which network the link is for.
-- (Applied whole, not cut at each semicolon: see lib/db/migration-adapter.ts.)

-- The first and last lease numbers a network hands out, numbered as lib/ipam/address-space.ts
-- numbers them: with an IPv4 range, the IPv4 addresses themselves less the network and broadcast
-- address; on an IPv6-only network, host indexes 1 .. 2^k - 2 where k is the range's host bits,
-- at most 24 (INDEX_BITS_V6). lease-host-range.int.test.ts holds the two to the same answers.
CREATE FUNCTION nc_lease_host_range(p_cidr text, p_cidr6 text, OUT first bigint, OUT last bigint)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_cidr IS NOT NULL THEN (network(p_cidr::inet) - '0.0.0.0'::inet) + 1 ELSE 1 END,
         CASE WHEN p_cidr IS NOT NULL THEN (network(p_cidr::inet) - '0.0.0.0'::inet) + (1::bigint << (32 - masklen(p_cidr::inet))) - 2
              ELSE (1::bigint << LEAST(128 - masklen(p_cidr6::inet), 24)) - 2 END
$$;

-- nc_lease_first_free: its statements see every lease committed before the lock was taken: in a
-- function each statement takes a fresh snapshot (READ COMMITTED), which one plain statement could
-- not do. The search starts at the network's cursor, lowered to any quarantined address whose hold
-- has ended (those are freed here). An address in a reserved range is skipped past the range's end.
-- Returns one row: the lease's id and number, or nulls when the range is full; no row when the
-- network does not exist.
CREATE FUNCTION nc_lease_first_free(p_network uuid, p_node uuid, p_hold_seconds int)
RETURNS TABLE (lease_id uuid, address bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_from bigint;
  v_first bigint;
  v_last bigint;
  v_free bigint;
  v_skip_to bigint;
  v_id uuid;
BEGIN
  -- The lock every allocation and release of the network's addresses takes (leaseLockKey).
  PERFORM pg_advisory_xact_lock(hashtextextended('leases:' || p_network::text, 0));
  WITH freed AS (
    DELETE FROM "Lease" l WHERE l."networkId" = p_network AND l."nodeId" IS NULL AND l."quarantinedUntil" < now()
    RETURNING l."address"
  )
  SELECT LEAST(n."leaseCursor", (SELECT min(f."address") FROM freed f)), r.first, r.last INTO v_from, v_first, v_last
  FROM "Network" n, nc_lease_host_range(n."cidr", n."cidr6") r WHERE n.id = p_network;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  v_from := GREATEST(v_from, v_first);
  -- Each pass leases an address, finds the range full, or moves past one reserved range: bounded.
  LOOP
    -- v_from itself when free, else the first leased address at or above it whose successor is free.
    SELECT CASE
      WHEN NOT EXISTS (SELECT 1 FROM "Lease" l WHERE l."networkId" = p_network AND l."address" = v_from) THEN v_from
      ELSE (SELECT l."address" + 1 FROM "Lease" l
            WHERE l."networkId" = p_network AND l."address" >= v_from
              AND NOT EXISTS (SELECT 1 FROM "Lease" x WHERE x."networkId" = p_network AND x."address" = l."address" + 1)
            ORDER BY l."address" LIMIT 1)
    END INTO v_free;
    IF v_free IS NULL OR v_free > v_last THEN
      RETURN QUERY SELECT NULL::uuid, NULL::bigint;
      RETURN;
    END IF;
    SELECT max(r."end") INTO v_skip_to FROM "ReservedRange" r WHERE r."networkId" = p_network AND v_free BETWEEN r."start" AND r."end";
    IF v_skip_to IS NULL THEN
      INSERT INTO "Lease" ("id", "networkId", "address", "nodeId", "quarantinedUntil", "createdAt")
      VALUES (gen_random_uuid(), p_network, v_free, p_node, CASE WHEN p_hold_seconds IS NULL THEN NULL ELSE now() + make_interval(secs => p_hold_seconds) END, now())
      RETURNING "id" INTO v_id;
      UPDATE "Network" SET "leaseCursor" = v_free + 1 WHERE id = p_network;
      RETURN QUERY SELECT v_id, v_free;
      RETURN;
    END IF;
    v_from := v_skip_to + 1;
  END LOOP;
END
$$;
