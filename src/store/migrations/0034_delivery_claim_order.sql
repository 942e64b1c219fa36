-- The notifier claims the deliveries waiting to be sent in the order they are due: an index of the waiting ones
-- alone, in that order, hands it the next batch without sorting the whole backlog at every claim.
CREATE INDEX notification_deliveries_waiting_idx ON notification_deliveries (next_attempt_at, change_seq, id)
  WHERE status IN ('pending', 'retry');
