-- The audit chain's lock and its end (seq, hash) in one round trip: the lock is taken first, then the end is
-- read with a snapshot taken after it (each statement of a volatile PL/pgSQL function takes its own), so two
-- appenders never chain to the same record.
CREATE OR REPLACE FUNCTION steward_audit_chain_end(lock_key bigint) RETURNS TABLE (seq bigint, hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  RETURN QUERY SELECT a.seq, a.hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
END;
$$;
