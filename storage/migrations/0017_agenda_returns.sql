-- The chair or the akim may return a meeting's agenda with remarks instead of approving it.
-- Each request for approval belongs to a round (`approval_round`, from 1); a return ends the
-- round it was made in, the meeting stays a draft, and the organizer's next request is the
-- next round (its messages are new, and the buttons of an older round no longer act).
ALTER TABLE meetings ADD COLUMN approval_round INTEGER NOT NULL DEFAULT 1;

CREATE TABLE meeting_returns (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,            -- the approval round the return ended
    version     INTEGER NOT NULL,            -- the meeting's version then
    remarks     TEXT NOT NULL,
    at          TEXT NOT NULL,               -- UTC ISO
    by          TEXT NOT NULL,               -- staff code
    PRIMARY KEY (meeting_id, round)
);
