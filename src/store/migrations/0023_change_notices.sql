-- Every committed audit record is a change other servers follow: a notice on channel steward_changes tells
-- them at commit, so they catch up at once instead of at their next poll.
CREATE OR REPLACE FUNCTION steward_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('steward_changes', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_notify_changes AFTER INSERT ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION steward_notify_changes();
