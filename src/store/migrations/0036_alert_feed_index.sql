-- The notifier reads the alert and subscription changes after its cursor. Most of the log is other records (a
-- reconnecting fleet's credential deliveries, thousands a second): an index of the followed ones alone, in order,
-- hands it the next page without reading every record written since the last alert.
CREATE INDEX audit_log_alert_feed_idx ON audit_log (seq)
  WHERE kind IN ('alert.raise', 'alert.update', 'subscription.create', 'subscription.update', 'subscription.delete');
