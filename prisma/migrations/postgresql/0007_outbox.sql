-- The outbox (issue #14): one row per terminal event, written in the transaction of the
-- status change itself and delivered by the notifier from here (not from Redis), so an event
-- survives Redis being down and a process dying right after the change.
CREATE TABLE "outbox_events" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "file_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),
    "last_error" TEXT,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "outbox_events_delivered_at_next_attempt_at_idx" ON "outbox_events"("delivered_at", "next_attempt_at");
CREATE INDEX "outbox_events_file_id_idx" ON "outbox_events"("file_id");
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "files"("id") ON DELETE CASCADE ON UPDATE CASCADE;
