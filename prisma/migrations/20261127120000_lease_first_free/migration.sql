-- Leases the lowest free address of a network in one round trip (lib/ipam/lease-allocator.ts).
-- (Applied whole, not cut at each semicolon: see lib/db/migration-adapter.ts.)
-- Enrollment claimed its address in five (BEGIN, the lock, the preamble, the lease, COMMIT), each
-- a trip to Postgres and back while the host waited; a function runs them all inside Postgres.
-- Its statements see every lease committed before the lock was taken: in a function each
-- statement takes a fresh snapshot (READ COMMITTED), which one plain statement could not do.
--
-- p_first .. p_last are the host numbers of the network's index space (address-space.ts computes
-- them: the range less its first and last number). The search starts at the network's cursor,
-- lowered to any quarantined address whose hold has ended (those are freed here). An address in a
-- reserved range is skipped past the range's end. Returns one row: the lease's id and number, or
-- nulls when the range is full; no row when the network does not exist.
CREATE FUNCTION nc_lease_first_free(p_network uuid, p_first bigint, p_last bigint, p_node uuid, p_hold_seconds int)
RETURNS TABLE (lease_id uuid, address bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_from bigint;
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
  SELECT LEAST(n."leaseCursor", (SELECT min(f."address") FROM freed f)) INTO v_from FROM "Network" n WHERE n.id = p_network;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  v_from := GREATEST(v_from, p_first);
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
    IF v_free IS NULL OR v_free > p_last THEN
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
