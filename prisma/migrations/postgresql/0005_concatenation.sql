-- tus concatenation: partial uploads are sessions whose bytes become part of a final upload.
ALTER TABLE "upload_sessions" ADD COLUMN "concat_role" TEXT;
