-- Each creation counts its owner's open uploads (MAX_OPEN_UPLOADS) in its transaction. Without
-- this index that count read every open upload of every user (the (status, expires_at) index).
CREATE INDEX "upload_sessions_owner_id_status_idx" ON "upload_sessions"("owner_id", "status");
