-- The sender's claims carry their owner (host:pid:token), renewed while it works, so a claim a
-- dead process holds is taken again at once (same host) or after a short lease, not 5 minutes.
-- A message sent in several parts (long text, files) records each part as it goes, so a crash
-- or a timeout repeats at most the part in flight.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
-- the text pieces as first sent (JSON), so a resumed message goes on exactly where it stopped
ALTER TABLE outbox ADD COLUMN pieces TEXT;
CREATE INDEX outbox_claims ON outbox(status, claimed_by) WHERE status = 'sending';
